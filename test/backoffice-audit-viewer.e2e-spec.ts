import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditAction } from '../apps/backoffice/src/audit/audit-action';
import { AuditLog } from '../apps/backoffice/src/audit/audit-log';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { createStaff, StaffAgent } from './support/staff-agent';
import { startBackoffice } from './support/zones';

jest.setTimeout(120_000);

const OURS = '990019';
const OTHER = '990027';
const PASSWORD = 'a long staff password';

/** The rows of the viewer's table: seq and the action constant of each, in page order. */
function rowsOf(html: string): Array<{ seq: number; action: string; actor: string }> {
  return [
    ...html.matchAll(
      /<tr data-seq="(\d+)">\s*<td>\d+<\/td>\s*<td>[^<]*<\/td>\s*<td>([^<]*)[\s\S]*?<code>([a-z_.]+)<\/code>[\s\S]*?<\/tr>/g,
    ),
  ].map((m) => ({ seq: Number(m[1]), actor: m[2].trim(), action: m[3] }));
}
const olderHrefOf = (html: string): string | undefined =>
  /<a href="([^"]+)" rel="next">/
    .exec(html)?.[1]
    ?.replace(/&amp;/g, '&')
    .replace(/&#x3D;/g, '=');

describe('back office: the audit log viewer at /audit (issue 5 §7)', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let db: DataSource;
  let auditor: StaffAgent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-audit-viewer-e2e-'));
    ({ app, baseUrl } = await startBackoffice(dir, 'backoffice_audit_viewer_e2e'));
    db = app.get(DataSource);

    await app
      .get(StaffService)
      .ensureMunicipalities([{ code: OTHER, name: { ja: 'となり町（テスト）' } }]);
    await createStaff(app, PASSWORD, [
      { loginId: 'auditor', role: 'auditor', municipalityCode: OURS },
      { loginId: 'reviewer', role: 'reviewer', municipalityCode: OURS },
    ]);
    const audit = app.get(AuditLog);
    for (let i = 1; i <= 60; i++) {
      await audit.append(db.manager, {
        actor: { loginId: 'clerk' },
        municipalityCode: OURS,
        action: AuditAction.ApplicationViewed,
        targetType: 'application',
        targetId: `ours-${i}`,
        detail: { receiptNumber: `R-${i}`, note: '<script>alert(1)</script>' },
      });
    }
    await audit.append(db.manager, {
      actor: { loginId: 'clerk' },
      municipalityCode: OTHER,
      action: AuditAction.ApplicationViewed,
      targetType: 'application',
      targetId: 'neighbour-secret',
      detail: {},
    });
    auditor = new StaffAgent(baseUrl);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lands an auditor on /audit with 200, the intact chain and their login entry; nothing appended by viewing', async () => {
    const login = await auditor.login('auditor', PASSWORD);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/audit');
    const before = Number(
      (await db.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM audit_log'))[0].n,
    );
    const page = await auditor.agent.get('/audit');
    expect(page.status).toBe(200);
    // the header's home link is the auditor's home, not the applications they may not open
    expect(page.text).toContain('class="site-header__title" href="/audit"');
    expect(page.text).toContain(`改ざんは検出されていません（${before}件）`);
    const rows = rowsOf(page.text);
    expect(rows).toHaveLength(50);
    expect(rows[0]).toEqual({ seq: before, actor: 'auditor', action: AuditAction.LoginSucceeded });
    // detail is escaped, never markup
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('&lt;script&gt;');
    const after = Number(
      (await db.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM audit_log'))[0].n,
    );
    expect(after).toBe(before);
  });

  it('narrows the rows by action and by actor', async () => {
    const byAction = await auditor.agent.get(`/audit?action=${AuditAction.LoginSucceeded}`);
    expect(byAction.status).toBe(200);
    const loginRows = rowsOf(byAction.text);
    expect(loginRows.length).toBeGreaterThanOrEqual(1);
    expect(loginRows.every((r) => r.action === AuditAction.LoginSucceeded)).toBe(true);
    expect(byAction.text).toContain(`<option value="${AuditAction.LoginSucceeded}" selected>`);

    const byActor = await auditor.agent.get('/audit?actor=auditor');
    const actorRows = rowsOf(byActor.text);
    expect(actorRows.length).toBeGreaterThanOrEqual(1);
    expect(actorRows.every((r) => r.actor === 'auditor')).toBe(true);

    const byTarget = await auditor.agent.get('/audit?target=ours-7');
    expect(rowsOf(byTarget.text).map((r) => r.seq)).toHaveLength(1);

    const tomorrow = new Date(Date.now() + 9 * 3600_000 + 86_400_000).toISOString().slice(0, 10);
    const future = await auditor.agent.get(`/audit?from=${tomorrow}`);
    expect(rowsOf(future.text)).toEqual([]);
    expect(future.text).toContain('該当する記録はありません。');
  });

  it('pages by seq: newest first, 50 a page, disjoint, the filter kept on the older link', async () => {
    const first = await auditor.agent.get(`/audit?actor=clerk`);
    const firstRows = rowsOf(first.text);
    expect(firstRows).toHaveLength(50);
    const href = olderHrefOf(first.text);
    expect(href).toBe(`/audit?actor=clerk&before=${firstRows[49].seq}`);
    const second = await auditor.agent.get(href!);
    expect(second.status).toBe(200);
    const secondRows = rowsOf(second.text);
    expect(secondRows).toHaveLength(10);
    expect(secondRows.every((r) => r.actor === 'clerk')).toBe(true);
    const seqs = [...firstRows, ...secondRows].map((r) => r.seq);
    expect(new Set(seqs).size).toBe(60);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(olderHrefOf(second.text)).toBeUndefined();
  });

  it('never shows another municipality’s entry', async () => {
    for (const path of ['/audit', '/audit?actor=clerk', '/audit?action=application.viewed']) {
      const page = await auditor.agent.get(path);
      expect(page.status).toBe(200);
      // the target filter is echoed in its input; no row names the entry
      expect(page.text).not.toContain('<td>application: neighbour-secret</td>');
      expect(page.text).toContain('<td>application: ours-');
    }
    expect(rowsOf((await auditor.agent.get('/audit?target=neighbour-secret')).text)).toEqual([]);
  });

  it('refuses a reviewer with 403', async () => {
    const reviewer = new StaffAgent(baseUrl);
    expect((await reviewer.login('reviewer', PASSWORD)).status).toBe(303);
    const page = await reviewer.agent.get('/audit');
    expect(page.status).toBe(403);
  });

  it('answers a forged cursor or a bad filter with 400 and a Japanese message, never 500', async () => {
    for (const path of [
      '/audit?before=abc',
      '/audit?before=0',
      '/audit?before=-5',
      '/audit?before=1e3',
      '/audit?before=99999999999999999999',
      '/audit?before=1&before=2',
      '/audit?action=nope.nope',
      '/audit?from=2026-02-30',
    ]) {
      const page = await auditor.agent.get(path);
      expect({ path, status: page.status }).toEqual({ path, status: 400 });
    }
    const forged = await auditor.agent.get('/audit?before=abc');
    expect(forged.text).toContain('ページの指定が正しくありません');
  });

  it('shows the broken seq when an entry after the verified checkpoint is edited in the database; one before it is the full walk’s (audit:verify) to find', async () => {
    // a view verifies and leaves its checkpoint at the head; later entries are verified by the next view
    expect((await auditor.agent.get('/audit')).text).toContain('改ざんは検出されていません');
    const [{ seq: checkpoint }] = await db.query<{ seq: number | string }[]>(
      'SELECT seq FROM audit_verify_checkpoint WHERE id = 1',
    );
    const audit = app.get(AuditLog);
    for (let i = 61; i <= 63; i++) {
      await audit.append(db.manager, {
        actor: { loginId: 'clerk' },
        municipalityCode: OURS,
        action: AuditAction.ApplicationViewed,
        targetType: 'application',
        targetId: `ours-${i}`,
        detail: { receiptNumber: `R-${i}` },
      });
    }
    const tamper = async (sql: string) => {
      if (db.options.type === 'postgres') {
        await db.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
        await db.query(sql);
        await db.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
      } else {
        await db.query('DROP TRIGGER IF EXISTS audit_log_no_update');
        await db.query(sql);
      }
    };
    await tamper(`UPDATE audit_log SET target_id = 'ours-99' WHERE target_id = 'ours-62'`);
    await tamper(`UPDATE audit_log SET target_id = 'ours-98' WHERE target_id = 'ours-3'`);
    const [{ seq }] = await db.query<{ seq: number }[]>(
      `SELECT seq FROM audit_log WHERE target_id = 'ours-99'`,
    );
    const [{ seq: early }] = await db.query<{ seq: number }[]>(
      `SELECT seq FROM audit_log WHERE target_id = 'ours-98'`,
    );
    expect(Number(seq)).toBeGreaterThan(Number(checkpoint));
    expect(Number(early)).toBeLessThan(Number(checkpoint));
    const page = await auditor.agent.get('/audit');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`改ざんを検出しました: seq ${seq}`);
    expect(page.text).toContain('the entry was changed');
    expect(page.text).not.toContain('改ざんは検出されていません');
    expect(page.text).toContain(`data-verified-from="${Number(checkpoint) + 1}"`);
    // the whole chain from the start (what npm run audit:verify does) names the earlier change first
    await expect(audit.verify(db)).resolves.toMatchObject({ isIntact: false, seq: Number(early) });
  });
});
