import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { loadConfig } from '@madoguchi/common';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import { PortalConfig } from '../apps/portal/src/config/portal.config';
import { createPortalApp } from '../apps/portal/src/portal-app.factory';
import { ArchiveWorker } from '../apps/backoffice/src/archive/archive.worker';
import { createBackofficeApp } from '../apps/backoffice/src/backoffice.app';
import { loadBackofficeConfig } from '../apps/backoffice/src/config/backoffice.config';
import { ApplicationEntity } from '../apps/backoffice/src/database/entities/application.entity';
import { ArchiveDeliveryEntity } from '../apps/backoffice/src/database/entities/archive-delivery.entity';
import { RecordEntity } from '../apps/backoffice/src/database/entities/record.entity';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { PullWorker } from '../apps/backoffice/src/transfer/pull.worker';
import { validateBagDirectory } from './support/bagit-validator';
import { submitSignedApplication } from './support/signed-application';
import { startJlis } from './support/signing-env';
import { StaffAgent } from './support/staff-agent';
import { testDatabaseUrl } from './support/test-database';

jest.setTimeout(120_000);

const KEY = 'archive-records-test-key-0123456789abcdef';
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
  let closeJlis: () => Promise<void>;
  let portal: NestFastifyApplication;
  let backoffice: NestFastifyApplication;
  let db: DataSource;
  let admin: StaffAgent;
  let reviewer: StaffAgent;
  let folder: string;
  let portalUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archive-records-'));
    const started = await startJlis(dir);
    ({ jlis, rootFile } = started);
    closeJlis = started.close;
    const env = {
      JPKI_TRUST_ANCHORS: started.rootFile,
      JPKI_INTERMEDIATES: started.signCaFile,
      JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
      TRANSFER_KEY: KEY,
      FORMS_DIR: join(__dirname, 'fixtures', 'forms'),
    };
    portal = await createPortalApp(
      loadConfig(PortalConfig, {
        NODE_ENV: 'test',
        PORTAL_DATABASE_URL: await testDatabaseUrl('archive_records_portal', dir),
        PORTAL_DATA_DIR: join(dir, 'portal'),
        ...env,
      }),
    );
    await portal.listen(0, '127.0.0.1');
    portalUrl = (await portal.getUrl()).replace('[::1]', '127.0.0.1');
    const config = loadBackofficeConfig({
      NODE_ENV: 'test',
      BACKOFFICE_DATABASE_URL: await testDatabaseUrl('archive_records_backoffice', dir),
      BACKOFFICE_DATA_DIR: join(dir, 'backoffice'),
      PORTAL_TRANSFER_URL: portalUrl,
      BACKOFFICE_COOKIE_SECRET: 'r'.repeat(32),
      ...env,
    });
    backoffice = await createBackofficeApp(
      { ...config, port: 0 },
      { isWorkerManual: true, logger: false, announceFirstAdmin: () => undefined },
    );
    await backoffice.listen(0, '127.0.0.1');
    const url = (await backoffice.getUrl()).replace('[::1]', '127.0.0.1');
    db = backoffice.get(DataSource);
    const staff = backoffice.get(StaffService);
    for (const [loginId, role] of [
      ['archive-admin', 'admin'],
      ['archive-reviewer', 'reviewer'],
    ] as const) {
      await staff.createUser({
        loginId,
        displayName: `${role} 担当`,
        password: PASSWORD,
        role,
        municipalityCode: '990019',
        mustChangePassword: false,
        departments: role === 'reviewer' ? ['テスト課'] : [],
      });
    }
    admin = new StaffAgent(url);
    reviewer = new StaffAgent(url);
    expect((await admin.login('archive-admin', PASSWORD)).status).toBe(303);
    expect((await reviewer.login('archive-reviewer', PASSWORD)).status).toBe(303);
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
    await backoffice?.close();
    await portal?.close();
    await closeJlis?.();
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
});
