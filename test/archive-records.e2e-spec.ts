import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import { ArchiveWorker } from '../apps/backoffice/src/archive/archive.worker';
import { AuditLog } from '../apps/backoffice/src/audit/audit-log';
import { ApplicationEntity } from '../apps/backoffice/src/database/entities/application.entity';
import { ArchiveDeliveryEntity } from '../apps/backoffice/src/database/entities/archive-delivery.entity';
import { RecordEntity } from '../apps/backoffice/src/database/entities/record.entity';
import { PullWorker } from '../apps/backoffice/src/transfer/pull.worker';
import { validateBagDirectory } from './support/bagit-validator';
import { submitSignedApplication } from './support/signed-application';
import { StaffAgent, staffAgents } from './support/staff-agent';
import { startZones, type Zones } from './support/zones';

jest.setTimeout(120_000);

const PASSWORD = 'a long staff password';

/**
 * Flow 5 end to end: a signed application accepted (完了) by a reviewer gets its outbox entry in the same
 * transaction; the worker delivers the record as a BagIt bag to a folder; an archivist checks it by hand as
 * docs/record-package.md says (sha256sum -c, openssl cms -verify); the detail page shows the delivery.
 */
describe('accepted records reach the archive', () => {
  let dir: string;
  let jlis: SimulatedJlis;
  let rootFile: string;
  let zones: Zones;
  let backoffice: NestFastifyApplication;
  let db: DataSource;
  let admin: StaffAgent;
  let reviewer: StaffAgent;
  let folder: string;
  let portalUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archive-records-'));
    zones = await startZones(dir, 'archive_records');
    ({ jlis, rootFile, portalUrl, backoffice } = zones);
    db = backoffice.get(DataSource);
    ({ 'archive-admin': admin, 'archive-reviewer': reviewer } = await staffAgents(
      backoffice,
      zones.backofficeUrl,
      PASSWORD,
      [
        { loginId: 'archive-admin', role: 'admin', displayName: 'admin 担当' },
        {
          loginId: 'archive-reviewer',
          role: 'reviewer',
          displayName: 'reviewer 担当',
          departments: ['テスト課'],
        },
      ],
    ));
    folder = join(dir, 'archive');
    mkdirSync(folder);
    const added = await admin.post('/admin/archive', '/admin/archive/connectors', {
      kind: 'folder',
      name: '文書管理（共有フォルダー）',
      path: folder,
      format: 'directory',
      maxAttempts: '5',
    });
    expect(added.status).toBe(303);
  });

  afterAll(async () => {
    await zones?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a signed application accepted by the reviewer is delivered as a bag an archivist can verify with openssl', async () => {
    const { receiptNumber } = await submitSignedApplication(portalUrl, jlis);
    await backoffice.get(PullWorker).runOnce();
    const application = await db
      .getRepository(ApplicationEntity)
      .findOneByOrFail({ receiptNumber });
    for (const [status, version] of [
      ['in_review', 0],
      ['completed', 1],
    ] as const) {
      const res = await reviewer.post(
        `/applications/${application.id}`,
        `/applications/${application.id}/status`,
        {
          status,
          version: String(version),
        },
      );
      expect(res.status).toBe(303);
    }
    const record = await db
      .getRepository(RecordEntity)
      .findOneByOrFail({ applicationId: application.id });
    const [entry] = await db.getRepository(ArchiveDeliveryEntity).findBy({ recordId: record.id });
    expect(entry).toMatchObject({ state: 'pending', applicationId: application.id, receiptNumber });

    await expect(backoffice.get(ArchiveWorker).drain()).resolves.toBe(1);
    expect(readdirSync(folder)).toEqual([receiptNumber]);
    const bag = join(folder, receiptNumber);
    const report = validateBagDirectory(bag);
    expect(report.errors).toEqual([]);
    expect(report.info.get('External-Identifier')).toEqual([receiptNumber]);
    expect(report.info.get('担当課')).toEqual(['テスト課']);
    expect(report.info.get('保存期間')).toEqual([`${record.retentionYears}年`]);
    expect(report.info.get('保存期間満了日')).toEqual([record.retentionEnd]);
    expect([...report.payload.keys()]).toEqual(
      expect.arrayContaining(['data/document.json', 'data/signature.p7s', 'data/rendition.pdf']),
    );

    // by hand, as docs/record-package.md says
    for (const manifest of ['tagmanifest-sha256.txt', 'manifest-sha256.txt']) {
      const check = spawnSync('sha256sum', ['-c', manifest], { cwd: bag });
      expect({ manifest, status: check.status, err: check.stderr.toString() }).toEqual({
        manifest,
        status: 0,
        err: '',
      });
    }
    // the trust anchor as the archivist holds it (PEM)
    const rootPem = join(dir, 'root.pem');
    expect(
      spawnSync('openssl', ['x509', '-inform', 'DER', '-in', rootFile, '-out', rootPem]).status,
    ).toBe(0);
    const verify = spawnSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        'data/signature.p7s',
        '-content',
        'data/document.json',
        '-CAfile',
        rootPem,
        '-certfile',
        'data/chain.pem',
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      { cwd: bag },
    );
    expect(verify.stderr.toString()).toContain('Verification successful');

    const detail = await reviewer.agent.get(`/applications/${application.id}`).expect(200);
    expect(detail.text).toContain('文書管理システムへの送付');
    expect(detail.text).toMatch(/data-state="delivered"/);
    expect(detail.text).toContain('文書管理（共有フォルダー）');
  });

  it('the worker delivers while a reviewer changes statuses and the pull worker picks up, all at once, without an error', async () => {
    // SQLite: one connection per DataSource; every flow below runs transactions on it at the same time
    const submitted: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      submitted.push((await submitSignedApplication(portalUrl, jlis)).receiptNumber);
    }
    const [early1, early2, late1, late2, reviewedOnly] = submitted;
    const pull = backoffice.get(PullWorker);
    const picked = await pull.runOnce();
    expect(picked).toMatchObject({ stored: 5, failed: 0 });
    const idOf = async (receiptNumber: string) =>
      (await db.getRepository(ApplicationEntity).findOneByOrFail({ receiptNumber })).id;
    const move = async (receiptNumber: string, to: Array<['in_review' | 'completed', number]>) => {
      const id = await idOf(receiptNumber);
      const codes: number[] = [];
      for (const [status, version] of to) {
        const res = await reviewer.post(`/applications/${id}`, `/applications/${id}/status`, {
          status,
          version: String(version),
        });
        codes.push(res.status);
      }
      return codes;
    };
    const accept = (receiptNumber: string) =>
      move(receiptNumber, [
        ['in_review', 0],
        ['completed', 1],
      ]);
    await expect(Promise.all([accept(early1), accept(early2)])).resolves.toEqual([
      [303, 303],
      [303, 303],
    ]);
    // a new application on the portal, for the pickup that runs beside the rest
    submitted.push((await submitSignedApplication(portalUrl, jlis)).receiptNumber);
    const fresh = submitted[5];

    const worker = backoffice.get(ArchiveWorker);
    const [delivered, late1Codes, late2Codes, reviewed, pickup] = await Promise.all([
      worker.drain(),
      accept(late1),
      accept(late2),
      move(reviewedOnly, [['in_review', 0]]),
      pull.runOnce(),
    ]);

    expect({ late1Codes, late2Codes, reviewed }).toEqual({
      late1Codes: [303, 303],
      late2Codes: [303, 303],
      reviewed: [303],
    });
    expect(pickup).toMatchObject({ stored: 1, failed: 0 });
    expect(delivered).toBeGreaterThanOrEqual(2);
    await worker.drain();
    const accepted = [early1, early2, late1, late2];
    const deliveries = await db.getRepository(ArchiveDeliveryEntity).find();
    expect(
      accepted.map((r) => deliveries.find((d) => d.receiptNumber === r)?.state).sort(),
    ).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(readdirSync(folder)).toEqual(expect.arrayContaining(accepted));
    const statuses = await db.getRepository(ApplicationEntity).find();
    const statusOf = (r: string) => statuses.find((a) => a.receiptNumber === r)?.status;
    expect(accepted.map(statusOf)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect([statusOf(reviewedOnly), statusOf(fresh)]).toEqual(['in_review', 'received']);
    await expect(new AuditLog().verify(db)).resolves.toMatchObject({ isIntact: true });
  });
});
