import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import { ApplicationEntity } from '../apps/backoffice/src/database/entities/application.entity';
import { AuditLogEntity } from '../apps/backoffice/src/database/entities/audit-log.entity';
import { ApplicationIdentityEntity } from '../apps/backoffice/src/database/entities/application-identity.entity';
import { RevocationCheckEntity } from '../apps/backoffice/src/database/entities/revocation-check.entity';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { PullWorker } from '../apps/backoffice/src/transfer/pull.worker';
import { submitSignedApplication, unescapeHtml as unescape } from './support/signed-application';
import { createStaff, loggedIn, type StaffAgent } from './support/staff-agent';
import { startZones, type Zones } from './support/zones';

jest.setTimeout(90_000);

const ROOT = resolve(__dirname, '..');
const PASSWORD = 'a long staff password';
const UNKNOWN_MESSAGE =
  '失効情報を取得できませんでした。J-LISの失効確認（OCSP・CRL）に接続できないか、応答を確認できませんでした。時間をおいて、もう一度「現況確認」を押してください。受付時の検証結果は変わりません。';

/** issue 5 §4: 現況確認 asks revocation again and records it beside the verdict at pickup, never over it. */
describe('現況確認: the signing certificate’s revocation asked again from the back office', () => {
  let dir: string;
  let jlis: SimulatedJlis;
  let zones: Zones;
  let portalUrl: string;
  let backoffice: NestFastifyApplication;
  let backofficeUrl: string;
  let databaseUrl: string;
  let db: DataSource;
  let reviewer: StaffAgent;
  let reviewerId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revocation-check-'));
    zones = await startZones(dir, 'recheck');
    ({ jlis, portalUrl, backoffice, backofficeUrl } = zones);
    databaseUrl = zones.backofficeDatabaseUrl;
    db = backoffice.get(DataSource);
    const staffService = backoffice.get(StaffService);
    await staffService.ensureMunicipalities([
      { code: '990027', name: { ja: 'となり町（テスト）' } },
    ]);
    // the test forms' department (担当課)
    await createStaff(backoffice, PASSWORD, [
      {
        loginId: 'reviewer',
        role: 'reviewer',
        displayName: 'reviewer 担当',
        departments: ['テスト課'],
      },
      { loginId: 'viewer', role: 'viewer', displayName: 'viewer 担当' },
      {
        loginId: 'neighbour',
        role: 'reviewer',
        displayName: 'neighbour 担当',
        municipalityCode: '990027',
        departments: ['テスト課'],
      },
      { loginId: 'auditor', role: 'auditor', displayName: 'auditor 監査' },
      {
        loginId: 'neighbour-auditor',
        role: 'auditor',
        displayName: 'neighbour 監査',
        municipalityCode: '990027',
      },
    ]);
    reviewer = await loggedIn(backofficeUrl, 'reviewer', PASSWORD);
    reviewerId = (
      await db.query<Array<{ id: string }>>("SELECT id FROM staff_user WHERE login_id = 'reviewer'")
    )[0].id;
  });

  afterAll(async () => {
    await zones?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Signed by a new card, picked up and verified by the back office. */
  async function pickedUp() {
    const { receiptNumber, signSerial } = await submitSignedApplication(portalUrl, jlis);
    await backoffice.get(PullWorker).runOnce();
    const application = await db
      .getRepository(ApplicationEntity)
      .findOneByOrFail({ receiptNumber });
    const identity = await db
      .getRepository(ApplicationIdentityEntity)
      .findOneByOrFail({ applicationId: application.id });
    expect(identity.indication).toBe('TOTAL-PASSED');
    return { application, identity, signSerial };
  }

  const page = async (agent: StaffAgent, id: string) => {
    const res = await agent.agent.get(`/applications/${id}`);
    expect(res.status).toBe(200);
    return unescape(res.text);
  };

  const checkNow = (agent: StaffAgent, id: string) =>
    agent.post(`/applications/${id}`, `/applications/${id}/revocation-check`, {});

  const checksOf = (applicationId: string) =>
    db
      .getRepository(RevocationCheckEntity)
      .find({ where: { applicationId }, order: { id: 'ASC' } });

  const stateOf = async (id: string) => ({
    application: await db.getRepository(ApplicationEntity).findOneByOrFail({ id }),
    identity: await db
      .getRepository(ApplicationIdentityEntity)
      .findOneByOrFail({ applicationId: id }),
  });

  it('good, then revoked in J-LIS: the panel shows 失効（住所変更等） beside the unchanged verdict at pickup', async () => {
    const { application, signSerial } = await pickedUp();
    const before = await stateOf(application.id);
    const first = await page(reviewer, application.id);
    expect(first).toContain('data-revocation-intake="good"');
    expect(first).toContain('data-revocation-latest="none"');
    expect(first).toMatch(/<button type="submit"[^>]*>現況確認<\/button>/);

    const ok = await checkNow(reviewer, application.id);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(
      `/applications/${application.id}?changed=revocation#revocation-heading`,
    );
    const [good] = await checksOf(application.id);
    expect(good).toMatchObject({
      result: 'good',
      source: 'ocsp',
      run: 'manual',
      checkedBy: reviewerId,
      revokedAt: null,
      error: null,
    });
    expect(good.evidence?.ocsp).toHaveLength(1);
    const afterGood = unescape((await reviewer.agent.get(ok.headers.location)).text);
    expect(afterGood).toContain('現況確認を行いました');
    expect(afterGood).toMatch(
      /data-revocation-latest="good">[^<]+: <strong>有効（失効していません）/,
    );

    await jlis.revoke(signSerial, 'superseded');
    expect((await checkNow(reviewer, application.id)).status).toBe(303);

    const rows = await checksOf(application.id);
    expect(rows.map((r) => r.result)).toEqual(['good', 'revoked']);
    expect(rows[1]).toMatchObject({ revocationReason: 'superseded', checkedBy: reviewerId });
    expect(Math.abs(rows[1].revokedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    // each staff check is in the audit log (issue 5 §7), in the same transaction as its row
    const audited = await db.getRepository(AuditLogEntity).find({
      where: { action: 'application.revocation_checked', targetId: application.id },
      order: { seq: 'ASC' },
    });
    expect(
      audited.map((a) => [a.actorId, JSON.parse(a.detail) as Record<string, unknown>]),
    ).toEqual([
      [reviewerId, expect.objectContaining({ result: 'good', checkId: rows[0].id })],
      [
        reviewerId,
        expect.objectContaining({
          result: 'revoked',
          revocationReason: 'superseded',
          checkId: rows[1].id,
        }),
      ],
    ]);
    const html = await page(reviewer, application.id);
    expect(html).toMatch(
      /<dt>受付時<\/dt><dd data-revocation-intake="good">有効<\/dd>\s*<dt>現況確認<\/dt>\s*<dd data-revocation-latest="revoked">令和\d+年\d+月\d+日 \d+:\d\d: <strong>✖ 失効（住所変更等）<\/strong>（失効日時 令和/,
    );
    expect(html).toContain('reviewer 担当');
    // the verdict at pickup is exactly as recorded
    expect(html).toContain('data-indication="TOTAL-PASSED"');
    expect(html).toMatch(/data-check="REVOCATION">.*?✔ 合格/s);
    await expect(stateOf(application.id)).resolves.toEqual(before);
  });

  it('only 管理者 and 審査者 may check, each only in their municipality; the token of the page is required', async () => {
    const { application } = await pickedUp();
    const viewer = await loggedIn(backofficeUrl, 'viewer', PASSWORD);
    expect(await page(viewer, application.id)).not.toMatch(/>現況確認<\/button>/);
    const refused = await checkNow(viewer, application.id);
    expect(refused.status).toBe(403);
    // refused by the role guard (web/roles.ts) before the service is asked
    expect(refused.text).toContain('あなたの役割では利用できません');

    const neighbour = await loggedIn(backofficeUrl, 'neighbour', PASSWORD);
    // their own list page gives them a valid token; the application is still another municipality's
    const foreign = await neighbour.post(
      '/applications',
      `/applications/${application.id}/revocation-check`,
      {},
    );
    expect(foreign.status).toBe(404);

    const forged = await reviewer.agent
      .post(`/applications/${application.id}/revocation-check`)
      .type('form')
      .send({});
    expect(forged.status).toBe(403);
    await expect(checksOf(application.id)).resolves.toEqual([]);
  });

  it('npm run backoffice:recheck checks every open signed application, and leaves completed ones alone', async () => {
    const open = await pickedUp();
    const done = await pickedUp();
    await db
      .getRepository(ApplicationEntity)
      .update({ id: done.application.id }, { status: 'completed' });

    const auditedRuns = () =>
      db.getRepository(AuditLogEntity).countBy({ action: 'revocation.recheck_run' });
    const runsBefore = await auditedRuns();
    // Not spawnSync: J-LIS answers from this very process.
    const run = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'dist', 'apps', 'backoffice', 'src', 'cli', 'recheck-revocation.js')],
      {
        env: { PATH: process.env.PATH, BACKOFFICE_DATABASE_URL: databaseUrl },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );

    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(
      /^現況確認: \d+件（有効 \d+、失効 \d+、確認できず 0、12時間以内に確認済み [1-9]\d*）/,
    );
    expect(run.stdout).toContain('新たに失効 0件');
    const [nightly] = await checksOf(open.application.id);
    expect(nightly).toMatchObject({ result: 'good', run: 'scheduled', checkedBy: null });
    // the run's summary in the audit log: one entry (only this municipality had applications), with its counts
    await expect(auditedRuns()).resolves.toBe(runsBefore + 1);
    const entry = await db.getRepository(AuditLogEntity).findOneOrFail({
      where: { action: 'revocation.recheck_run' },
      order: { seq: 'DESC' },
    });
    expect(entry.municipalityCode).toBe(open.application.municipalityCode);
    expect(entry.targetId).toEqual(expect.any(String));
    // the municipality's 監査者 sees it in /audit; another municipality's 監査者 does not
    const runsSeenBy = async (loginId: string) => {
      const agent = await loggedIn(backofficeUrl, loginId, PASSWORD);
      const res = await agent.agent.get('/audit?action=revocation.recheck_run');
      expect(res.status).toBe(200);
      return unescape(res.text);
    };
    const ours = await runsSeenBy('auditor');
    expect(ours).toContain(`<tr data-seq="${entry.seq}">`);
    expect(ours).toContain(`revocation_recheck: ${entry.targetId}`);
    const theirs = await runsSeenBy('neighbour-auditor');
    expect(theirs).not.toContain(`<tr data-seq="${entry.seq}">`);
    expect(theirs).not.toContain(entry.targetId);
    expect(JSON.parse(entry.detail)).toMatchObject({
      trigger: 'cli',
      newlyRevoked: 0,
      unknown: 0,
      errors: 0,
      isStoppedEarly: false,
    });
    expect(JSON.parse(entry.detail).checked).toBeGreaterThanOrEqual(1);
    await expect(checksOf(done.application.id)).resolves.toEqual([]);
    expect(await page(reviewer, open.application.id)).toMatch(
      /data-revocation-latest="good">.*?<small>夜間の自動確認、OCSP<\/small>/s,
    );
  });

  it('J-LIS unreachable: 確認できず with a clear Japanese message; nothing else changes', async () => {
    const { application } = await pickedUp();
    expect((await checkNow(reviewer, application.id)).status).toBe(303);
    const before = await stateOf(application.id);
    const earlier = await checksOf(application.id);

    await zones.closeJlis();
    expect((await checkNow(reviewer, application.id)).status).toBe(303);

    const rows = await checksOf(application.id);
    expect(rows.slice(0, earlier.length)).toEqual(earlier);
    expect(rows.map((r) => r.result)).toEqual(['good', 'unknown']);
    expect(rows[1].error).toMatch(/OCSP .*unreachable.*CRL .*unreachable/);
    const html = await page(reviewer, application.id);
    expect(html).toMatch(/data-revocation-latest="unknown">[^<]+: <strong>？ 確認できず<\/strong>/);
    expect(html).toContain(UNKNOWN_MESSAGE);
    expect(html).toContain('data-indication="TOTAL-PASSED"');
    await expect(stateOf(application.id)).resolves.toEqual(before);
  });
});
