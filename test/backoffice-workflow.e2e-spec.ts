import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TransferApplication } from '@madoguchi/transfer';
import { DataSource } from 'typeorm';
import type { StaffRole } from '../apps/backoffice/src/database/entities/staff-user.entity';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { ApplicationIntakeService } from '../apps/backoffice/src/transfer/application-intake.service';
import { type StaffAgent, staffAgents } from './support/staff-agent';
import { startBackoffice } from './support/zones';

jest.setTimeout(90_000);

const CODE = '990019';
const OTHER_CODE = '990027';
const PASSWORD = 'a long staff password';

/** A picked-up 粗大ごみ application (form sodai-gomi of the demo municipality) without attachments. */
function incoming(code = CODE, overrides: Partial<TransferApplication> = {}): TransferApplication {
  const id = randomUUID();
  return {
    id,
    receiptNumber: `20261129-${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    municipalityCode: code,
    formId: 'sodai-gomi',
    formVersion: 1,
    formSha256: 'f'.repeat(64),
    formTitle: { ja: '粗大ごみ収集申込' },
    answers: { tel: '03-1234-5678' },
    attachments: [],
    submittedAt: new Date().toISOString(),
    ...overrides,
  };
}

describe('review workflow in the back office (assignment, comments, transitions by role)', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let db: DataSource;
  const ids = new Map<string, string>();
  const agents = new Map<string, StaffAgent>();

  /** `$1` placeholders on both engines (SQLite takes `?`). */
  function query<T = unknown>(text: string, params: unknown[] = []): Promise<T> {
    return db.query<T>(db.options.type === 'postgres' ? text : text.replace(/\$\d+/g, '?'), params);
  }

  async function store(a: TransferApplication): Promise<string> {
    await app.get(ApplicationIntakeService).store(a);
    const [row] = await query<{ id: string }[]>(
      'SELECT id FROM application WHERE receipt_number = $1',
      [a.receiptNumber],
    );
    return row.id;
  }

  async function row(id: string) {
    const [r] = await query<
      { status: string; status_version: number; assignee_id: string | null }[]
    >('SELECT status, status_version, assignee_id FROM application WHERE id = $1', [id]);
    return { ...r, status_version: Number(r.status_version) };
  }

  /** The audit log's entries about one application, oldest first. */
  async function auditOf(id: string) {
    const rows = await query<{ action: string; actor_id: string; detail: string }[]>(
      'SELECT action, actor_id, detail FROM audit_log WHERE target_id = $1 ORDER BY seq',
      [id],
    );
    return rows.map((r) => ({
      action: r.action,
      actor: r.actor_id,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }
  const changesOf = async (id: string) =>
    (await auditOf(id)).filter((e) => e.action !== 'application.viewed');

  const count = async (table: string) =>
    Number((await query<{ n: string }[]>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-workflow-'));
    ({ app, baseUrl } = await startBackoffice(dir, 'backoffice_workflow'));
    db = app.get(DataSource);

    const staff = app.get(StaffService);
    await staff.ensureMunicipalities([{ code: OTHER_CODE, name: { ja: 'となり町（テスト）' } }]);
    const people: Array<[string, StaffRole, string]> = [
      ['boss', 'admin', CODE],
      ['rev1', 'reviewer', CODE],
      ['rev2', 'reviewer', CODE],
      ['viewer', 'viewer', CODE],
      ['auditor', 'auditor', CODE],
      ['neighbour', 'reviewer', OTHER_CODE],
      ['taxman', 'reviewer', CODE],
    ];
    const loggedIn = await staffAgents(
      app,
      baseUrl,
      PASSWORD,
      people.map(([loginId, role, municipalityCode]) => ({
        loginId,
        role,
        municipalityCode,
        // 粗大ごみ収集申込's department (担当課)
        departments: role !== 'reviewer' ? [] : loginId === 'taxman' ? ['税務課'] : ['環境政策課'],
      })),
    );
    for (const [loginId] of people) {
      const [u] = await query<{ id: string }[]>('SELECT id FROM staff_user WHERE login_id = $1', [
        loginId,
      ]);
      ids.set(loginId, u.id);
      agents.set(loginId, loggedIn[loginId]);
    }
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (loginId: string) => agents.get(loginId)!;

  describe('assignment', () => {
    it('assigns to me, changes the assignee, unassigns; shown on list and detail', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      const mine = await as('rev1').post(page, `${page}/assignee`, { assignee: 'me' });
      expect(mine.status).toBe(303);
      expect(mine.headers.location).toBe(`${page}?changed=assignee#assignee`);
      expect((await row(id)).assignee_id).toBe(ids.get('rev1'));
      const detail = await as('rev2').agent.get(page).expect(200);
      expect(detail.text).toMatch(/<dd id="assignee-name">rev1 さん<\/dd>/);
      // the select offers the department's reviewers and the admins, never a viewer or an auditor
      expect(detail.text).toContain(`<option value="${ids.get('rev2')}">rev2 さん</option>`);
      expect(detail.text).toContain(`value="${ids.get('boss')}"`);
      expect(detail.text).not.toContain(`value="${ids.get('viewer')}"`);
      expect(detail.text).not.toContain(`value="${ids.get('auditor')}"`);

      const changed = await as('rev1').post(page, `${page}/assignee`, {
        assignee: ids.get('rev2')!,
      });
      expect(changed.status).toBe(303);
      expect((await row(id)).assignee_id).toBe(ids.get('rev2'));
      const list = await as('viewer').agent.get('/applications').expect(200);
      const line = list.text.split('<tr>').find((tr) => tr.includes(`/applications/${id}"`));
      expect(line).toContain('rev2 さん');

      await as('boss').post(page, `${page}/assignee`, { assignee: '' });
      expect((await row(id)).assignee_id).toBeNull();
      // every change of assignee is in the audit log, with who did it
      expect(
        (await changesOf(id)).map((e) => [e.action, e.actor, e.detail.from, e.detail.to]),
      ).toEqual([
        ['application.assigned', ids.get('rev1'), null, ids.get('rev1')],
        ['application.assigned', ids.get('rev1'), ids.get('rev1'), ids.get('rev2')],
        ['application.assigned', ids.get('boss'), ids.get('rev2'), null],
      ]);
      const after = await as('viewer').agent.get('/applications').expect(200);
      expect(after.text.split('<tr>').find((tr) => tr.includes(`/applications/${id}"`))).toContain(
        '未割当',
      );
    });

    it('refuses an assignee who may not review it: viewer, auditor, another municipality, forged ids', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      await as('rev1').post(page, `${page}/assignee`, { assignee: 'me' });
      const logged = (await changesOf(id)).length;
      for (const assignee of [
        ids.get('viewer')!,
        ids.get('auditor')!,
        ids.get('neighbour')!,
        ids.get('taxman')!,
        randomUUID(),
        "' OR 1=1 --",
      ]) {
        const res = await as('rev1').post(page, `${page}/assignee`, { assignee });
        expect(res.status).toBe(400);
        expect(res.text).toContain('選んだ職員には割り当てられません');
        expect((await row(id)).assignee_id).toBe(ids.get('rev1'));
      }
      expect(await changesOf(id)).toHaveLength(logged);
    });

    it('does not let a viewer or an auditor assign, even to themselves', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      for (const who of ['viewer', 'auditor']) {
        const detail = await as(who).agent.get(page);
        expect(detail.text).not.toContain(`action="${page}/assignee"`);
        const res = await as(who).post('/applications', `${page}/assignee`, { assignee: 'me' });
        expect(res.status).toBe(403);
        // refused by the role guard (web/roles.ts) before the service is asked
        expect(res.text).toContain('あなたの役割では利用できません');
        expect((await row(id)).assignee_id).toBeNull();
      }
    });
  });

  describe('internal comments', () => {
    it('keeps comments in time order with their author, staff only (never in the outbox)', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      const outboxBefore = await count('status_outbox');
      const first = await as('rev1').post(page, `${page}/comments`, {
        body: '  地図の場所を確認中。<script>alert(1)</script>\n2行目  ',
      });
      expect(first.status).toBe(303);
      expect(first.headers.location).toBe(`${page}?changed=comment#comments`);
      await as('boss').post(page, `${page}/comments`, { body: '了解です。' });
      const detail = await as('viewer').agent.get(page).expect(200);
      const section = detail.text.slice(detail.text.indexOf('id="comments"'));
      const i1 = section.indexOf('rev1 さん');
      const i2 = section.indexOf('boss さん');
      expect(i1).toBeGreaterThan(0);
      expect(i2).toBeGreaterThan(i1);
      expect(section).toContain('地図の場所を確認中。&lt;script&gt;alert(1)&lt;/script&gt;\n2行目');
      expect(section).not.toContain('<script>alert');
      // a viewer reads them but gets no form to write
      expect(section).not.toContain(`action="${page}/comments"`);
      const stored = await query<{ body: string; author_id: string }[]>(
        'SELECT body, author_id FROM application_comment WHERE application_id = $1 ORDER BY id',
        [id],
      );
      expect(stored).toEqual([
        {
          body: '地図の場所を確認中。<script>alert(1)</script>\n2行目',
          author_id: ids.get('rev1'),
        },
        { body: '了解です。', author_id: ids.get('boss') },
      ]);
      expect(await count('status_outbox')).toBe(outboxBefore);
      const logged = await changesOf(id);
      expect(logged.map((e) => [e.action, e.actor])).toEqual([
        ['application.commented', ids.get('rev1')],
        ['application.commented', ids.get('boss')],
      ]);
      expect(JSON.stringify(logged)).not.toContain('地図の場所');
    });

    it('refuses an empty or oversized comment with a clear message, keeping what was typed', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      const before = await count('application_comment');
      const empty = await as('rev1').post(page, `${page}/comments`, { body: ' \n ' });
      expect(empty.status).toBe(400);
      expect(empty.text).toContain('コメントを入力してください。');
      const long = 'あ'.repeat(2001);
      const tooLong = await as('rev1').post(page, `${page}/comments`, { body: long });
      expect(tooLong.status).toBe(400);
      expect(tooLong.text).toContain('コメントは2000文字以内にしてください。');
      expect(tooLong.text).toContain(long);
      expect(await count('application_comment')).toBe(before);
      const exact = await as('rev1').post(page, `${page}/comments`, { body: 'い'.repeat(2000) });
      expect(exact.status).toBe(303);
      expect(await count('application_comment')).toBe(before + 1);
    });

    it('refuses comments from a viewer or an auditor', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      for (const who of ['viewer', 'auditor']) {
        const res = await as(who).post('/applications', `${page}/comments`, { body: 'x' });
        expect(res.status).toBe(403);
      }
      expect(
        await query('SELECT id FROM application_comment WHERE application_id = $1', [id]),
      ).toEqual([]);
    });
  });

  describe('status transitions', () => {
    it.each([
      ['boss', true],
      ['rev1', true],
      ['viewer', false],
      ['auditor', false],
    ])(
      '%s: every step of 受付 → 審査中 → 差戻し → 審査中 → 完了 (allowed: %s)',
      async (who, ok) => {
        const id = await store(incoming());
        const page = `/applications/${id}`;
        const steps: Array<[string, string]> = [
          ['in_review', ''],
          ['returned', '添付の地図が読めません。撮り直して再申請してください。'],
          ['in_review', ''],
          ['completed', ''],
        ];
        for (const [i, [status, message]] of steps.entries()) {
          const res = await as(who).post(ok ? page : '/applications', `${page}/status`, {
            status,
            message,
            version: String(i),
          });
          if (!ok) {
            expect(res.status).toBe(403);
            expect(await row(id)).toMatchObject({ status: 'received', status_version: 0 });
            return;
          }
          expect(res.status).toBe(303);
          expect(await row(id)).toMatchObject({ status, status_version: i + 1 });
        }
        const history = await query<
          { from_status: string; to_status: string; changed_by: string; reason: string | null }[]
        >(
          'SELECT from_status, to_status, changed_by, reason FROM status_change WHERE application_id = $1 ORDER BY id',
          [id],
        );
        expect(history.map((h) => [h.from_status, h.to_status, h.reason])).toEqual([
          ['received', 'in_review', null],
          ['in_review', 'returned', steps[1][1]],
          ['returned', 'in_review', null],
          ['in_review', 'completed', null],
        ]);
        expect(new Set(history.map((h) => h.changed_by))).toEqual(new Set([ids.get(who)]));
        // the same transitions in the audit log, each with who and why
        expect(
          (await changesOf(id)).map((e) => [
            e.action,
            e.actor,
            e.detail.from,
            e.detail.to,
            e.detail.reason,
          ]),
        ).toEqual([
          ['application.status_changed', ids.get(who), 'received', 'in_review', undefined],
          ['application.status_changed', ids.get(who), 'in_review', 'returned', steps[1][1]],
          ['application.status_changed', ids.get(who), 'returned', 'in_review', undefined],
          ['application.status_changed', ids.get(who), 'in_review', 'completed', undefined],
        ]);
        const detail = await as('viewer').agent.get(page);
        expect(detail.text).toContain(steps[1][1]);
        expect(detail.text).toContain(`${who} さん`);
      },
    );

    it('rejects from 受付 with a reason that reaches the outbox for the resident', async () => {
      const a = incoming();
      const id = await store(a);
      const page = `/applications/${id}`;
      const none = await as('rev1').post(page, `${page}/status`, {
        status: 'rejected',
        message: '',
        version: '0',
      });
      expect(none.status).toBe(400);
      expect(none.text).toContain('申請者へのメッセージ');
      const res = await as('rev1').post(page, `${page}/status`, {
        status: 'rejected',
        message: '収集対象外の品目です。',
        version: '0',
      });
      expect(res.status).toBe(303);
      const outbox = await query<{ status: string; message: string; version: number }[]>(
        'SELECT status, message, version FROM status_outbox WHERE receipt_number = $1',
        [a.receiptNumber],
      );
      expect(outbox.map((o) => [o.status, o.message, Number(o.version)])).toEqual([
        ['rejected', '収集対象外の品目です。', 1],
      ]);
    });

    it('refuses a transition not allowed from the current state, a stale version and a forged id; nothing changes', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      const outbox = await count('status_outbox');
      const history = await count('status_change');
      const notAllowed = await as('rev1').post(page, `${page}/status`, {
        status: 'completed',
        version: '0',
      });
      expect(notAllowed.status).toBe(400);
      expect(notAllowed.text).toContain('この状態には変更できません');
      const unknown = await as('rev1').post(page, `${page}/status`, {
        status: 'archived',
        version: '0',
      });
      expect(unknown.status).toBe(400);
      const stale = await as('rev1').post(page, `${page}/status`, {
        status: 'in_review',
        version: '7',
      });
      expect(stale.status).toBe(409);
      expect(stale.text).toContain('ほかの職員が先に更新しました');
      expect(await row(id)).toMatchObject({ status: 'received', status_version: 0 });
      expect(await count('status_outbox')).toBe(outbox);
      expect(await count('status_change')).toBe(history);
      expect(await changesOf(id)).toEqual([]);

      // ids that do not exist, are not UUIDs, or belong to another municipality answer like a missing page
      const theirs = await store(incoming(OTHER_CODE));
      for (const forged of [randomUUID(), 'not-a-uuid', theirs]) {
        for (const [action, body] of [
          ['status', { status: 'in_review', version: '0' }],
          ['assignee', { assignee: 'me' }],
          ['comments', { body: 'x' }],
        ] as const) {
          const res = await as('rev1').post(
            '/applications',
            `/applications/${forged}/${action}`,
            body,
          );
          expect(res.status).toBe(404);
        }
      }
      expect(await row(theirs)).toMatchObject({ status: 'received', assignee_id: null });
      expect(
        await query('SELECT id FROM application_comment WHERE application_id = $1', [theirs]),
      ).toEqual([]);
    });

    it('answers a reviewer of another department (担当課) like a missing application; nothing changes', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      await as('taxman').agent.get(page).expect(404);
      for (const [action, body] of [
        ['status', { status: 'in_review', version: '0' }],
        ['assignee', { assignee: 'me' }],
        ['comments', { body: '税務課から' }],
      ] as const) {
        const res = await as('taxman').post('/applications', `${page}/${action}`, body);
        expect(res.status).toBe(404);
      }
      expect(await row(id)).toMatchObject({
        status: 'received',
        status_version: 0,
        assignee_id: null,
      });
      expect(
        await query('SELECT id FROM application_comment WHERE application_id = $1', [id]),
      ).toEqual([]);
      expect(await changesOf(id)).toEqual([]);
      // and is never offered as its assignee
      const detail = await as('rev1').agent.get(page);
      expect(detail.text).not.toContain(`value="${ids.get('taxman')}"`);
    });

    it('a change made from a page that is out of date is “reload” (409), even where the new state forbids it', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      const first = await as('rev2').post(page, `${page}/status`, {
        status: 'rejected',
        message: '重複した申込みです。',
        version: '0',
      });
      expect(first.status).toBe(303);
      // rev1's page still shows 受付 (version 0): 却下 → 審査中 is not allowed, but what rev1 must hear is "reload"
      const late = await as('rev1').post(page, `${page}/status`, {
        status: 'in_review',
        version: '0',
      });
      expect(late.status).toBe(409);
      expect(late.text).toContain('ほかの職員が先に更新しました');
      expect(await row(id)).toMatchObject({ status: 'rejected', status_version: 1 });
    });

    it('lets two reviewers race: one wins, the other is told to reload', async () => {
      const id = await store(incoming());
      const page = `/applications/${id}`;
      const [a, b] = await Promise.all([
        as('rev1').post(page, `${page}/status`, { status: 'in_review', version: '0' }),
        as('rev2').post(page, `${page}/status`, {
          status: 'rejected',
          message: '重複した申込みです。',
          version: '0',
        }),
      ]);
      expect([a.status, b.status].sort()).toEqual([303, 409]);
      expect((await row(id)).status_version).toBe(1);
      expect(
        Number(
          (
            await query<{ n: string }[]>(
              'SELECT COUNT(*) AS n FROM status_change WHERE application_id = $1',
              [id],
            )
          )[0].n,
        ),
      ).toBe(1);
    });
  });
});
