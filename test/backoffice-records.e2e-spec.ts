import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { loadConfig } from '@madoguchi/common';
import { packageSha256, retentionEndDate } from '@madoguchi/records';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import { PortalConfig } from '../apps/portal/src/config/portal.config';
import { createPortalApp } from '../apps/portal/src/portal-app.factory';
import { createBackofficeApp } from '../apps/backoffice/src/backoffice.app';
import { loadBackofficeConfig } from '../apps/backoffice/src/config/backoffice.config';
import { ApplicationEntity } from '../apps/backoffice/src/database/entities/application.entity';
import { RecordEntity } from '../apps/backoffice/src/database/entities/record.entity';
import { RecordFileEntity } from '../apps/backoffice/src/database/entities/record-file.entity';
import { RecordDisposalEntity } from '../apps/backoffice/src/database/entities/record-disposal.entity';
import { RecordsService } from '../apps/backoffice/src/records/records.service';
import { AuditLog } from '../apps/backoffice/src/audit/audit-log';
import { AuditLogEntity } from '../apps/backoffice/src/database/entities/audit-log.entity';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { PullWorker } from '../apps/backoffice/src/transfer/pull.worker';
import { pngBytes, submitTestPermit } from './factories/application.factory';
import { binary, submitSignedApplication, unescapeHtml } from './support/signed-application';
import { HOLDER, startJlis } from './support/signing-env';
import { StaffAgent } from './support/staff-agent';
import { testDatabaseUrl } from './support/test-database';
import { REPO_ROOT } from './support/app-process';

jest.setTimeout(90_000);

const KEY = 'records-transfer-test-key-0123456789abcdef';
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
  let closeJlis: () => Promise<void>;
  let portal: NestFastifyApplication;
  let portalUrl: string;
  let backoffice: NestFastifyApplication;
  let backofficeUrl: string;
  let blobsDir: string;
  let db: DataSource;
  let backofficeDbUrl: string;
  const agents: Record<string, StaffAgent> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-records-'));
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
        PORTAL_DATABASE_URL: await testDatabaseUrl('records_portal', dir),
        PORTAL_DATA_DIR: join(dir, 'portal'),
        ...env,
      }),
    );
    await portal.listen(0, '127.0.0.1');
    portalUrl = (await portal.getUrl()).replace('[::1]', '127.0.0.1');
    const config = loadBackofficeConfig({
      NODE_ENV: 'test',
      BACKOFFICE_DATABASE_URL: (backofficeDbUrl = await testDatabaseUrl('records_backoffice', dir)),
      BACKOFFICE_DATA_DIR: join(dir, 'backoffice'),
      PORTAL_TRANSFER_URL: portalUrl,
      BACKOFFICE_COOKIE_SECRET: 'r'.repeat(32),
      ...env,
    });
    blobsDir = join(dir, 'backoffice', 'blobs');
    backoffice = await createBackofficeApp(
      { ...config, port: 0 },
      { isWorkerManual: true, logger: false, announceFirstAdmin: () => undefined },
    );
    await backoffice.listen(0, '127.0.0.1');
    backofficeUrl = (await backoffice.getUrl()).replace('[::1]', '127.0.0.1');
    db = backoffice.get(DataSource);
    const staffService = backoffice.get(StaffService);
    await staffService.ensureMunicipalities([
      { code: '990027', name: { ja: 'となり町（テスト）' } },
    ]);
    for (const [loginId, role, code] of [
      ['records-admin', 'admin', '990019'],
      ['records-reviewer', 'reviewer', '990019'],
      ['records-viewer', 'viewer', '990019'],
      ['records-auditor', 'auditor', '990019'],
      ['records-neighbour', 'admin', '990027'],
      ['records-other-dept', 'reviewer', '990019'],
    ] as const) {
      await staffService.createUser({
        loginId,
        displayName: `${role} 担当`,
        password: PASSWORD,
        role,
        municipalityCode: code,
        mustChangePassword: false,
        departments:
          loginId === 'records-other-dept'
            ? ['環境政策課']
            : role === 'reviewer'
              ? ['テスト課']
              : [],
      });
      agents[loginId] = new StaffAgent(backofficeUrl);
      expect((await agents[loginId].login(loginId, PASSWORD)).status).toBe(303);
    }
  });

  afterAll(async () => {
    await backoffice?.close();
    await portal?.close();
    await closeJlis?.();
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
});
