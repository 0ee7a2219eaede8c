import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource, In } from 'typeorm';
import { FileBlobStore } from '@madoguchi/common';
import { packageSha256, retentionEndDate } from '@madoguchi/records';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import { ApplicationEntity } from '../apps/backoffice/src/database/entities/application.entity';
import { RecordEntity } from '../apps/backoffice/src/database/entities/record.entity';
import { RecordFileEntity } from '../apps/backoffice/src/database/entities/record-file.entity';
import { RecordDisposalEntity } from '../apps/backoffice/src/database/entities/record-disposal.entity';
import { RecordsService } from '../apps/backoffice/src/records/records.service';
import { RecordDisposalService } from '../apps/backoffice/src/records/record-disposal.service';
import { ArchiveOutboxService } from '../apps/backoffice/src/archive/archive-outbox.service';
import { ArchiveConnectorEntity } from '../apps/backoffice/src/database/entities/archive-connector.entity';
import { ArchiveDeliveryEntity } from '../apps/backoffice/src/database/entities/archive-delivery.entity';
import { ApplicationCommentEntity } from '../apps/backoffice/src/database/entities/application-comment.entity';
import { ApplicationIdentityEntity } from '../apps/backoffice/src/database/entities/application-identity.entity';
import { AttachmentEntity } from '../apps/backoffice/src/database/entities/attachment.entity';
import { queryDatabase } from './support/database-inspect';
import { AuditLog } from '../apps/backoffice/src/audit/audit-log';
import { AuditLogEntity } from '../apps/backoffice/src/database/entities/audit-log.entity';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { StaffUserEntity } from '../apps/backoffice/src/database/entities/staff-user.entity';
import type { StaffContext } from '../apps/backoffice/src/auth/staff-context';
import { PullWorker } from '../apps/backoffice/src/transfer/pull.worker';
import { pngBytes, submitTestPermit } from './factories/application.factory';
import { binary, submitSignedApplication, unescapeHtml } from './support/signed-application';
import { HOLDER } from './support/signing-env';
import { type StaffAgent, staffAgents } from './support/staff-agent';
import { startZones, type Zones } from './support/zones';
import { REPO_ROOT } from './support/app-process';

jest.setTimeout(90_000);

const PASSWORD = 'a long staff password';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) {
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function run(cmd: string, args: string[], cwd?: string): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd });
  return { status: r.status, out: `${r.stdout.toString()}${r.stderr.toString()}` };
}

describe('records of accepted applications (issue 5 §8)', () => {
  let dir: string;
  let jlis: SimulatedJlis;
  let rootFile: string;
  let zones: Zones;
  let portalUrl: string;
  let backoffice: NestFastifyApplication;
  let backofficeUrl: string;
  let blobsDir: string;
  let db: DataSource;
  let backofficeDbUrl: string;
  let agents: Record<string, StaffAgent>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-records-'));
    zones = await startZones(dir, 'records');
    ({ jlis, rootFile, portalUrl, backoffice, backofficeUrl } = zones);
    backofficeDbUrl = zones.backofficeDatabaseUrl;
    blobsDir = join(zones.backofficeDataDir, 'blobs');
    db = backoffice.get(DataSource);
    const staffService = backoffice.get(StaffService);
    await staffService.ensureMunicipalities([
      { code: '990027', name: { ja: 'となり町（テスト）' } },
    ]);
    agents = await staffAgents(backoffice, backofficeUrl, PASSWORD, [
      { loginId: 'records-admin', role: 'admin', displayName: 'admin 担当' },
      {
        loginId: 'records-reviewer',
        role: 'reviewer',
        displayName: 'reviewer 担当',
        departments: ['テスト課'],
      },
      { loginId: 'records-viewer', role: 'viewer', displayName: 'viewer 担当' },
      { loginId: 'records-auditor', role: 'auditor', displayName: 'auditor 担当' },
      {
        loginId: 'records-neighbour',
        role: 'admin',
        displayName: 'admin 担当',
        municipalityCode: '990027',
      },
      {
        loginId: 'records-other-dept',
        role: 'reviewer',
        displayName: 'reviewer 担当',
        departments: ['環境政策課'],
      },
    ]);
  });

  afterAll(async () => {
    await zones?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reviewer = () => agents['records-reviewer'];

  async function pickedUp(receiptNumber: string): Promise<ApplicationEntity> {
    await backoffice.get(PullWorker).runOnce();
    return db.getRepository(ApplicationEntity).findOneByOrFail({ receiptNumber });
  }

  async function changeStatus(id: string, status: string, version: number) {
    return reviewer().post(`/applications/${id}`, `/applications/${id}/status`, {
      status,
      version: String(version),
    });
  }

  /** 受付 → 審査中 → 完了 by the reviewer, over the pages. */
  async function accept(application: ApplicationEntity): Promise<RecordEntity> {
    expect((await changeStatus(application.id, 'in_review', 0)).status).toBe(303);
    expect((await changeStatus(application.id, 'completed', 1)).status).toBe(303);
    return db.getRepository(RecordEntity).findOneByOrFail({ applicationId: application.id });
  }

  function blobCount(): number {
    return existsSync(blobsDir)
      ? readdirSync(blobsDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
          .length
      : 0;
  }

  it('accepting a signed application commits its record: every file, hashes that recompute, record.json, the PDF, openssl on the signed bytes', async () => {
    const { receiptNumber } = await submitSignedApplication(portalUrl, jlis);
    const application = await pickedUp(receiptNumber);
    const acceptedAt = new Date();
    const record = await accept(application);

    expect(record).toMatchObject({
      municipalityCode: '990019',
      receiptNumber,
      formId: 'test-cardface',
      formVersion: 1,
      retentionYears: 5,
      retentionEnd: retentionEndDate(acceptedAt, 5),
      state: 'kept',
    });
    const pkg = await backoffice.get(RecordsService).read(record.id);
    const names = pkg.files.map((f) => f.name);
    for (const name of [
      'document.json',
      'signature.p7s',
      'chain.pem',
      'verification-report.json',
      'rendition.pdf',
      'record.json',
    ]) {
      expect(names).toContain(name);
    }
    expect(names.some((n) => /^revocation\/backoffice\/ocsp-1\.der$/.test(n))).toBe(true);

    // immutability: the bytes behind every handle are those hashed when the record was made
    const bytes = new Map<string, Buffer>();
    for (const f of pkg.files) {
      const b = await readAll(f.open());
      bytes.set(f.name, b);
      expect({ name: f.name, sha256: sha256(b), size: b.length }).toEqual({
        name: f.name,
        sha256: f.sha256,
        size: f.size,
      });
    }
    expect(packageSha256([...bytes].map(([name, b]) => ({ name, sha256: sha256(b) })))).toBe(
      record.packageSha256,
    );
    await expect(backoffice.get(RecordsService).verify(record.id)).resolves.toEqual({
      isIntact: true,
      problems: [],
    });

    const meta = JSON.parse(bytes.get('record.json')!.toString('utf8'));
    expect(meta).toMatchObject({
      format: 'madoguchi-record/1',
      recordId: record.id,
      municipality: { code: '990019', name: 'まどぐち市（テスト）' },
      receiptNumber,
      form: { id: 'test-cardface', version: 1, title: 'カード読取のテスト申請' },
      classification: null,
      department: 'テスト課',
      retention: { years: 5, end: record.retentionEnd },
      isSigned: true,
      indication: 'TOTAL-PASSED',
      missing: [],
    });
    const listed = (meta.files as Array<{ name: string; sha256: string }>).map((f) => f.name);
    expect(listed.sort()).toEqual(names.filter((n) => n !== 'record.json').sort());
    const report = JSON.parse(bytes.get('verification-report.json')!.toString('utf8'));
    expect(report).toMatchObject({ indication: 'TOTAL-PASSED', certified: HOLDER.basicFour });
    expect(report.checks.map((c: { check: string }) => c.check)).toContain('REVOCATION');
    expect(
      bytes
        .get('chain.pem')!
        .toString()
        .match(/BEGIN CERTIFICATE/g)?.length,
    ).toBeGreaterThanOrEqual(2);

    // the package on disk checks with free tools: sha256sum, openssl cms -verify (chain from chain.pem)
    const work = mkdtempSync(join(dir, 'package-'));
    for (const [name, b] of bytes) {
      mkdirSync(dirname(join(work, name)), { recursive: true });
      writeFileSync(join(work, name), b);
    }
    const shell = run(
      'bash',
      [
        '-c',
        "find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum",
      ],
      work,
    );
    expect(shell.out.split(' ')[0]).toBe(record.packageSha256);
    expect(
      run('openssl', ['x509', '-inform', 'DER', '-in', rootFile, '-out', join(dir, 'root.pem')])
        .status,
    ).toBe(0);
    const verify = run(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        'signature.p7s',
        '-content',
        'document.json',
        '-CAfile',
        join(dir, 'root.pem'),
        '-certfile',
        'chain.pem',
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      work,
    );
    expect(`${verify.status} ${verify.out}`).toMatch(/^0 .*Verification successful/s);
    const ocsp = run(
      'openssl',
      ['ocsp', '-respin', 'revocation/backoffice/ocsp-1.der', '-resp_text', '-noverify'],
      work,
    );
    expect(ocsp.out).toContain('Cert Status: good');

    // the PDF: Japanese text extractable, Noto Sans JP embedded
    const pdfFile = join(work, 'rendition.pdf');
    const text = run('pdftotext', ['-enc', 'UTF-8', pdfFile, '-']).out.replace(/\s+/g, '');
    for (const expected of [
      'まどぐち市（テスト）',
      'カード読取のテスト申請',
      receiptNumber,
      '検証成功',
      '窓口花子',
      HOLDER.basicFour.address,
      '平成2年1月2日',
      '女性',
      'テスト課',
    ]) {
      expect(text).toContain(expected);
    }
    expect(run('pdffonts', [pdfFile]).out).toMatch(
      /\+NotoSansJP-Regular\s+CID TrueType\s+Identity-H\s+yes yes yes/,
    );

    // the detail page's 記録 section and the downloads
    const html = unescapeHtml((await reviewer().agent.get(`/applications/${application.id}`)).text);
    expect(html).toContain(`data-record="${record.id}"`);
    expect(html).toContain(`<code data-package-sha256>${record.packageSha256}</code>`);
    for (const f of pkg.files) {
      expect(html).toContain(`<tr data-file="${f.name}">`);
      expect(html).toContain(`<code>${f.sha256}</code>`);
    }
    const pdf = await reviewer()
      .agent.get(`/applications/${application.id}/record/file?name=rendition.pdf`)
      .buffer(true)
      .parse(binary);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toMatch(/^attachment; filename="rendition.pdf"/);
    expect(pdf.headers['x-content-type-options']).toBe('nosniff');
    expect(sha256(pdf.body as Buffer)).toBe(
      pkg.files.find((f) => f.name === 'rendition.pdf')!.sha256,
    );
  });

  it('an unsigned application’s record says what is missing, keeps the attachment under its name, and stays scoped and role-checked', async () => {
    const attachment = pngBytes(300, 7);
    const { receiptNumber } = await submitTestPermit(portalUrl, { attachment });
    const application = await pickedUp(receiptNumber);
    const record = await accept(application);
    const pkg = await backoffice.get(RecordsService).read(record.id);
    const names = pkg.files.map((f) => f.name).sort();
    expect(names).toEqual([
      'attachments/map.png',
      'record.json',
      'rendition.pdf',
      'verification-report.json',
    ]);
    const png = pkg.files.find((f) => f.name === 'attachments/map.png')!;
    expect(png.sha256).toBe(sha256(attachment));
    const meta = JSON.parse(
      (await readAll(pkg.files.find((f) => f.name === 'record.json')!.open())).toString(),
    );
    expect(meta.missing).toEqual([
      { name: 'document.json', reason: 'the application was not signed' },
      { name: 'signature.p7s', reason: 'the application was not signed' },
    ]);

    const path = `/applications/${application.id}/record/file?name=${encodeURIComponent('attachments/map.png')}`;
    for (const loginId of ['records-admin', 'records-reviewer', 'records-viewer']) {
      const res = await agents[loginId].agent.get(path).buffer(true).parse(binary);
      expect({ loginId, status: res.status }).toEqual({ loginId, status: 200 });
      expect((res.body as Buffer).equals(attachment)).toBe(true);
    }
    // each download is in the audit log, with the file's name and hash
    const downloads = await db.getRepository(AuditLogEntity).find({
      where: { action: 'record.file_downloaded', targetId: application.id },
      order: { seq: 'ASC' },
    });
    expect(downloads.map((e) => e.actorLoginId)).toEqual([
      'records-admin',
      'records-reviewer',
      'records-viewer',
    ]);
    expect(JSON.parse(downloads[0].detail)).toMatchObject({
      name: 'attachments/map.png',
      sha256: sha256(attachment),
    });
    // another municipality's administrator, a reviewer of another 担当課 and the auditor get nothing (and nothing
    // is logged for them); an unknown name or id is a 404
    expect((await agents['records-neighbour'].agent.get(path)).status).toBe(404);
    expect((await agents['records-other-dept'].agent.get(path)).status).toBe(404);
    expect([403, 404]).toContain((await agents['records-auditor'].agent.get(path)).status);
    expect(
      (
        await reviewer().agent.get(
          `/applications/${application.id}/record/file?name=..%2Frecord.json`,
        )
      ).status,
    ).toBe(404);
    expect(
      (await reviewer().agent.get(`/applications/${application.id}/record/file?name=missing.txt`))
        .status,
    ).toBe(404);
    expect(
      await db
        .getRepository(AuditLogEntity)
        .countBy({ action: 'record.file_downloaded', targetId: application.id }),
    ).toBe(3);
    // no route changes a record: writes to the record's paths do not exist
    for (const method of ['put', 'post', 'delete', 'patch'] as const) {
      expect((await reviewer().agent[method](path)).status).not.toBe(200);
    }
    await expect(backoffice.get(RecordsService).verify(record.id)).resolves.toMatchObject({
      isIntact: true,
    });
  });

  it('a stale or failing acceptance commits nothing: no record, no files left behind', async () => {
    const { receiptNumber } = await submitTestPermit(portalUrl, { familyName: '佐藤' });
    const application = await pickedUp(receiptNumber);
    expect((await changeStatus(application.id, 'in_review', 0)).status).toBe(303);

    const before = blobCount();
    const stale = await changeStatus(application.id, 'completed', 0);
    expect(stale.status).toBe(409);
    await expect(
      db.getRepository(RecordEntity).countBy({ applicationId: application.id }),
    ).resolves.toBe(0);
    expect(blobCount()).toBe(before);

    // a hook (the archive outbox) that fails rolls the acceptance back with it
    const records = backoffice.get(RecordsService);
    let calls = 0;
    records.onRecordCreated(async (em, record, files) => {
      calls++;
      // inside the transaction: the record's rows are visible to the hook
      expect(await em.countBy(RecordFileEntity, { recordId: record.id })).toBe(files.length);
      if (record.applicationId === application.id && calls === 1) {
        throw new Error('outbox down');
      }
    });
    const failed = await changeStatus(application.id, 'completed', 1);
    expect(failed.status).toBe(500);
    await expect(
      db.getRepository(ApplicationEntity).findOneByOrFail({ id: application.id }),
    ).resolves.toMatchObject({
      status: 'in_review',
      statusVersion: 1,
    });
    await expect(
      db.getRepository(RecordEntity).countBy({ applicationId: application.id }),
    ).resolves.toBe(0);
    expect(blobCount()).toBe(before);

    const record = await accept2(application.id);
    expect(calls).toBe(2);
    expect(record.applicationId).toBe(application.id);
  });

  async function accept2(id: string): Promise<RecordEntity> {
    expect((await changeStatus(id, 'completed', 1)).status).toBe(303);
    return db.getRepository(RecordEntity).findOneByOrFail({ applicationId: id });
  }

  it('disposal: refused under retention with nothing changed; past retention a 管理者 approves, files and rows go, a tombstone stays', async () => {
    const { receiptNumber } = await submitTestPermit(portalUrl, { familyName: '鈴木' });
    const application = await pickedUp(receiptNumber);
    const record = await accept(application);
    const files = await db.getRepository(RecordFileEntity).findBy({ recordId: record.id });
    const admin = agents['records-admin'];

    // only a 管理者 opens the disposal page
    for (const loginId of ['records-reviewer', 'records-viewer', 'records-auditor']) {
      expect({
        loginId,
        status: (await agents[loginId].agent.get('/records/disposal')).status,
      }).toEqual({
        loginId,
        status: 403,
      });
    }
    let page = unescapeHtml((await admin.agent.get('/records/disposal')).text);
    expect(page).not.toContain(`data-record="${record.id}"`);

    // under retention: refused with the reason, nothing changed
    const early = await admin.post('/records/disposal', `/records/${record.id}/disposal`, {});
    expect(early.status).toBe(409);
    expect(early.text).toContain('この記録はまだ保存期間中のため廃棄できません');
    await expect(db.getRepository(RecordEntity).countBy({ id: record.id })).resolves.toBe(1);
    await expect(
      db.getRepository(RecordDisposalEntity).countBy({ recordId: record.id }),
    ).resolves.toBe(0);
    await expect(backoffice.get(RecordsService).verify(record.id)).resolves.toMatchObject({
      isIntact: true,
    });

    // the record was made long ago (its retention ended on 2020-03-31): listed, and a reviewer cannot dispose of it
    await db.getRepository(RecordEntity).update({ id: record.id }, { retentionEnd: '2020-03-31' });
    page = unescapeHtml((await admin.agent.get('/records/disposal')).text);
    expect(page).toContain(`data-record="${record.id}"`);
    expect(page).toContain(record.packageSha256);
    const csrf = await reviewer().csrf(`/applications/${application.id}`);
    expect(
      (
        await reviewer()
          .agent.post(`/records/${record.id}/disposal`)
          .type('form')
          .send({ _csrf: csrf })
      ).status,
    ).toBe(403);
    expect(
      (
        await agents['records-neighbour'].post(
          '/records/disposal',
          `/records/${record.id}/disposal`,
          {},
        )
      ).status,
    ).toBe(404);
    await expect(db.getRepository(RecordEntity).countBy({ id: record.id })).resolves.toBe(1);

    // the disposal job (npm run backoffice:disposal) lists it for approval, and approves nothing itself
    const cli = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'dist/apps/backoffice/src/cli/list-disposals.js'),
        '--municipality',
        '990019',
      ],
      {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          BACKOFFICE_DATABASE_URL: backofficeDbUrl,
          BACKOFFICE_DATA_DIR: join(dir, 'backoffice'),
        },
      },
    );
    expect(cli.status).toBe(3);
    expect(cli.stdout.toString()).toContain(`990019 ${receiptNumber} test-permit 満了 2020-03-31`);
    await expect(db.getRepository(RecordEntity).countBy({ id: record.id })).resolves.toBe(1);

    const approved = await admin.post('/records/disposal', `/records/${record.id}/disposal`, {});
    expect(approved.status).toBe(303);
    await expect(db.getRepository(RecordEntity).countBy({ id: record.id })).resolves.toBe(0);
    await expect(db.getRepository(RecordFileEntity).countBy({ recordId: record.id })).resolves.toBe(
      0,
    );
    for (const f of files) {
      expect(existsSync(join(blobsDir, f.blobKey))).toBe(false);
    }
    const tombstone = await db
      .getRepository(RecordDisposalEntity)
      .findOneByOrFail({ recordId: record.id });
    expect(tombstone).toMatchObject({
      receiptNumber,
      packageSha256: record.packageSha256,
      retentionEnd: '2020-03-31',
      fileCount: files.length,
      approvedByName: 'admin 担当',
      blobKeys: [],
    });
    expect(tombstone.filesDeletedAt).not.toBeNull();
    // the audit log: the record's creation and its disposal, with what and who, in an intact chain
    const audit = await db.getRepository(AuditLogEntity).find({
      where: { targetType: 'record', targetId: record.id },
      order: { seq: 'ASC' },
    });
    expect(audit.map((e) => [e.action, e.actorLoginId])).toEqual([
      ['record.created', 'records-reviewer'],
      ['record.disposed', 'records-admin'],
    ]);
    expect(JSON.parse(audit[1].detail)).toMatchObject({
      receiptNumber,
      packageSha256: record.packageSha256,
      retentionEnd: '2020-03-31',
    });
    await expect(backoffice.get(AuditLog).verify(db)).resolves.toMatchObject({ isIntact: true });
    page = unescapeHtml((await admin.agent.get('/records/disposal?disposed=x')).text);
    expect(page).toContain(record.packageSha256);
    expect(page).not.toContain(`data-record="${record.id}"`);
    // the application page no longer offers the record; a second approval finds nothing
    const detail = unescapeHtml((await admin.agent.get(`/applications/${application.id}`)).text);
    expect(detail).not.toContain('data-package-sha256');
    expect(
      (await admin.post('/records/disposal', `/records/${record.id}/disposal`, {})).status,
    ).toBe(404);
  });

  /** Where `text` (UTF-8) is still stored: the blob files, and the database (SQLite: the raw file and its WAL; PostgreSQL: every row of every table as text). */
  async function placesHolding(text: string): Promise<string[]> {
    const needle = Buffer.from(text, 'utf8');
    const places: string[] = [];
    if (existsSync(blobsDir)) {
      for (const e of readdirSync(blobsDir, { recursive: true, withFileTypes: true })) {
        if (e.isFile() && readFileSync(join(e.parentPath, e.name)).includes(needle)) {
          places.push(`blob ${e.name}`);
        }
      }
    }
    if (backofficeDbUrl.startsWith('sqlite:')) {
      const file = backofficeDbUrl.slice('sqlite:'.length);
      for (const f of [file, `${file}-wal`]) {
        if (existsSync(f) && readFileSync(f).includes(needle)) {
          places.push(`database file ${f}`);
        }
      }
    } else {
      const tables = await queryDatabase<{ name: string }>(
        backofficeDbUrl,
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
      );
      for (const { name } of tables) {
        const rows = await queryDatabase<{ row: string }>(
          backofficeDbUrl,
          `SELECT t::text AS row FROM "${name}" t`,
        );
        if (rows.some((r) => r.row.includes(text))) {
          places.push(`table ${name}`);
        }
      }
    }
    return places;
  }

  it('disposal removes the resident’s data everywhere and keeps the register; the list and page say 廃棄済み; an interrupted file deletion is finished by the job; the outbox delivers nothing of it', async () => {
    const admin = agents['records-admin'];
    // a unique name in each application, so that the search below can only find these two
    const permit = await submitTestPermit(portalUrl, { familyName: '廃棄谷' });
    const permitApp = await pickedUp(permit.receiptNumber);
    const signed = await submitSignedApplication(portalUrl, jlis, '廃棄子');
    const signedApp = await pickedUp(signed.receiptNumber);
    for (const [app, note] of [
      [permitApp, '廃棄谷さんに電話で確認済み'],
      [signedApp, '廃棄子さんの住所を確認'],
    ] as const) {
      expect(
        (
          await reviewer().post(`/applications/${app.id}`, `/applications/${app.id}/comments`, {
            body: note,
          })
        ).status,
      ).toBe(303);
    }
    // an archive connector for the signed form: its acceptance queues a delivery that is never made here
    const connectorId = '5d0b7a52-0000-4000-8000-00000000d15b';
    await db.getRepository(ArchiveConnectorEntity).insert({
      id: connectorId,
      municipalityCode: '990019',
      name: 'disposal test folder',
      kind: 'folder',
      format: 'zip',
      settings: { path: join(dir, 'archive-never') },
      secret: null,
      formIds: ['test-cardface'],
      isEnabled: true,
      maxAttempts: 3,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const permitRecord = await accept(permitApp);
    const signedRecord = await accept(signedApp);
    await db
      .getRepository(ArchiveConnectorEntity)
      .update({ id: connectorId }, { isEnabled: false });
    await expect(
      db
        .getRepository(ArchiveDeliveryEntity)
        .countBy({ recordId: signedRecord.id, state: 'pending' }),
    ).resolves.toBe(1);
    const signedIdentity = await db
      .getRepository(ApplicationIdentityEntity)
      .findOneByOrFail({ applicationId: signedApp.id });
    expect(signedIdentity.documentBlobKey).not.toBeNull();

    // the search can fail: before disposal both names are in the database, and the signed document's bytes (a
    // blob) hold the signed one's (an unsigned record has the answers only in the PDF's glyphs: its keys are checked)
    for (const name of ['廃棄谷', '廃棄子']) {
      const places = await placesHolding(name);
      expect({ name, inDatabase: places.some((p) => !p.startsWith('blob')) }).toEqual({
        name,
        inDatabase: true,
      });
    }
    expect(await placesHolding('廃棄子')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^blob /)]),
    );
    const permitKeys = [
      ...(await db.getRepository(RecordFileEntity).findBy({ recordId: permitRecord.id })),
      ...(await db.getRepository(AttachmentEntity).findBy({ applicationId: permitApp.id })),
    ].map((f) => f.blobKey);
    expect(permitKeys.every((k) => existsSync(join(blobsDir, k)))).toBe(true);
    expect(permitKeys.length).toBeGreaterThan(3);

    await db
      .getRepository(RecordEntity)
      .update({ id: In([permitRecord.id, signedRecord.id]) }, { retentionEnd: '2021-03-31' });

    // the permit: a 管理者 approves on the page
    expect(
      (await admin.post('/records/disposal', `/records/${permitRecord.id}/disposal`, {})).status,
    ).toBe(303);

    // the signed one: the process dies after the commit, while deleting the files (after the first one)
    const realBlobs = new FileBlobStore(blobsDir);
    let deletions = 0;
    const dying = {
      put: (b: Uint8Array) => realBlobs.put(b),
      get: (k: string) => realBlobs.get(k),
      delete: async (k: string) => {
        if (deletions++ >= 1) {
          throw new Error('the process died');
        }
        await realBlobs.delete(k);
      },
    };
    const adminStaff = await db
      .getRepository(StaffUserEntity)
      .findOneByOrFail({ loginId: 'records-admin' });
    const interrupted = await new RecordDisposalService(
      db,
      dying,
      backoffice.get(AuditLog),
    ).approve(
      {
        id: adminStaff.id,
        loginId: adminStaff.loginId,
        displayName: adminStaff.displayName,
        role: 'admin',
        municipalityCode: '990019',
        departments: [],
        mustChangePassword: false,
        isPlatformAdmin: false,
        pendingFactor: null,
        hasTotp: false,
        mustEnrolTotp: false,
        sessionHash: '',
      } satisfies StaffContext,
      signedRecord.id,
    );
    expect(interrupted.filesDeletedAt).toBeNull();
    const pending = await db
      .getRepository(RecordDisposalEntity)
      .findOneByOrFail({ recordId: signedRecord.id });
    expect(pending.filesDeletedAt).toBeNull();
    expect(pending.blobKeys).toContain(signedIdentity.documentBlobKey);
    expect(pending.blobKeys).toContain(signedIdentity.cmsBlobKey);
    expect(pending.blobKeys.filter((k) => existsSync(join(blobsDir, k))).length).toBe(
      pending.blobKeys.length - 1,
    );
    expect(await placesHolding('廃棄子')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^blob /)]),
    );

    // the disposal job finishes it; run again, it has nothing left to do
    const job = () =>
      spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'dist/apps/backoffice/src/cli/list-disposals.js')],
        {
          env: {
            ...process.env,
            NODE_ENV: 'test',
            BACKOFFICE_DATABASE_URL: backofficeDbUrl,
            BACKOFFICE_DATA_DIR: join(dir, 'backoffice'),
          },
        },
      );
    const first = job();
    expect(first.stdout.toString()).toContain('中断していた廃棄のファイル削除を完了しました: 1件');
    expect(job().stdout.toString()).not.toContain('中断していた廃棄');
    await expect(
      db.getRepository(RecordDisposalEntity).findOneByOrFail({ recordId: signedRecord.id }),
    ).resolves.toMatchObject({ blobKeys: [] });
    for (const k of pending.blobKeys) {
      expect(existsSync(join(blobsDir, k))).toBe(false);
    }
    await expect(backoffice.get(RecordDisposalService).finishPending()).resolves.toEqual({
      disposals: 0,
      files: 0,
    });

    // nothing of either resident is left in any row or file
    expect(permitKeys.filter((k) => existsSync(join(blobsDir, k)))).toEqual([]);
    for (const name of ['廃棄谷', '廃棄子']) {
      expect({ name, places: await placesHolding(name) }).toEqual({ name, places: [] });
    }
    for (const app of [permitApp, signedApp]) {
      await expect(
        db.getRepository(AttachmentEntity).countBy({ applicationId: app.id }),
      ).resolves.toBe(0);
      await expect(
        db.getRepository(ApplicationCommentEntity).countBy({ applicationId: app.id }),
      ).resolves.toBe(0);
      await expect(
        db.getRepository(ApplicationIdentityEntity).countBy({ applicationId: app.id }),
      ).resolves.toBe(0);
      const tomb = await db.getRepository(ApplicationEntity).findOneByOrFail({ id: app.id });
      expect(tomb).toMatchObject({
        answers: {},
        applicantName: '',
        receiptNumber: app.receiptNumber,
      });
      expect(tomb.disposedAt).toBeInstanceOf(Date);
    }
    // the outbox has nothing left to deliver of it
    await expect(
      db.getRepository(ArchiveDeliveryEntity).countBy({ recordId: signedRecord.id }),
    ).resolves.toBe(0);
    const claimed = await backoffice
      .get(ArchiveOutboxService)
      .claim('disposal-test', 100, 60_000, new Date(Date.now() + 86_400_000));
    expect(claimed.filter((d) => d.recordId === signedRecord.id)).toEqual([]);

    // the register (廃棄簿): what, when, who approved
    const register = await db.getRepository(RecordDisposalEntity).findOneByOrFail({
      recordId: permitRecord.id,
    });
    expect(register).toMatchObject({
      receiptNumber: permit.receiptNumber,
      formId: 'test-permit',
      formVersion: permitApp.formVersion,
      department: 'テスト課',
      packageSha256: permitRecord.packageSha256,
      retentionEnd: '2021-03-31',
      approvedByName: 'admin 担当',
      blobKeys: [],
    });
    expect(register.receivedAt?.getTime()).toBe(permitApp.receivedAt.getTime());
    const disposals = await db.getRepository(AuditLogEntity).find({
      where: { action: 'record.disposed', targetId: In([permitRecord.id, signedRecord.id]) },
      order: { seq: 'ASC' },
    });
    expect(disposals.map((e) => [e.targetId, e.actorLoginId])).toEqual([
      [permitRecord.id, 'records-admin'],
      [signedRecord.id, 'records-admin'],
    ]);
    expect(JSON.parse(disposals[0].detail)).toMatchObject({
      receiptNumber: permit.receiptNumber,
      department: 'テスト課',
      packageSha256: permitRecord.packageSha256,
      approvedBy: { loginId: 'records-admin', name: 'admin 担当' },
    });
    await expect(backoffice.get(AuditLog).verify(db)).resolves.toMatchObject({ isIntact: true });

    // the disposal page's register lists it with its department
    const registerPage = unescapeHtml((await admin.agent.get('/records/disposal')).text);
    const registerRow = registerPage
      .split('<tr>')
      .find((r) => r.includes(`<td>${permit.receiptNumber}</td>`));
    expect(registerRow).toContain('テスト課');
    expect(registerRow).toContain(permitRecord.packageSha256);
    expect(registerRow).toContain('admin 担当');

    // the list and the page show 廃棄済み with the tombstone only
    const list = unescapeHtml((await admin.agent.get('/applications')).text);
    const row = list.split('<tr>').find((r) => r.includes(`>${permit.receiptNumber}</a>`));
    expect(row).toContain('廃棄済み');
    const page = unescapeHtml((await admin.agent.get(`/applications/${signedApp.id}`)).text);
    expect(page).toContain('廃棄済み');
    expect(page).toContain(signed.receiptNumber);
    expect(page).toContain(signedRecord.packageSha256);
    expect(page).not.toContain('廃棄子');
    expect(page).not.toContain('data-package-sha256');
    // nothing is added to a disposed application, nothing of it downloaded
    const refused = await reviewer().post(
      `/applications/${permitApp.id}`,
      `/applications/${permitApp.id}/comments`,
      { body: '廃棄谷' },
    );
    expect(refused.status).toBe(410);
    expect(unescapeHtml(refused.text)).toContain('廃棄済み');
    await expect(
      db.getRepository(ApplicationCommentEntity).countBy({ applicationId: permitApp.id }),
    ).resolves.toBe(0);
    expect((await admin.agent.get(`/applications/${signedApp.id}/signature.p7s`)).status).toBe(410);
  });
});
