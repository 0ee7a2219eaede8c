import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TransferApplication } from '@madoguchi/transfer';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditLog } from '../apps/backoffice/src/audit/audit-log';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { ApplicationIntakeService } from '../apps/backoffice/src/transfer/application-intake.service';
import { SESSION_COOKIE } from '../apps/backoffice/src/web/session.guard';
import { sodaiGomiTransfer } from './factories/transfer-application.factory';
import { createStaff, StaffAgent } from './support/staff-agent';
import { startBackoffice } from './support/zones';

jest.setTimeout(60_000);

const OTHER_CODE = '990027';
const PASSWORD = 'a long staff password';

function sodaiGomi(
  code: string,
  overrides: Partial<TransferApplication> = {},
): TransferApplication {
  return sodaiGomiTransfer(
    {
      municipalityCode: code,
      formTitle: { ja: '粗大ごみ収集申込', en: 'Request for bulky waste collection' },
      ...overrides,
    },
    {
      name: { family: '<b>山田</b>', given: '花子', familyKana: 'ヤマダ', givenKana: 'ハナコ' },
      address: { postalCode: '1000001', text: "まどぐち市本町1-2-3'; DROP TABLE application;--" },
      tel: '03-1234-5678',
    },
  );
}

describe('back office over HTTP', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let firstAdminPassword = '';
  let ours: TransferApplication;
  let theirs: TransferApplication;
  let oursId: string;
  let theirsId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-e2e-'));
    ({ app, baseUrl } = await startBackoffice(dir, 'backoffice_e2e', {
      announceFirstAdmin: (_login, password) => {
        firstAdminPassword = password;
      },
    }));

    const staff = app.get(StaffService);
    await staff.ensureMunicipalities([{ code: OTHER_CODE, name: { ja: 'となり町（テスト）' } }]);
    // 粗大ごみ収集申込's department (環境政策課): the neighbour too, so only the municipality keeps them out
    await createStaff(app, PASSWORD, [
      { loginId: 'reviewer', role: 'reviewer', departments: ['環境政策課'] },
      { loginId: 'viewer', role: 'viewer' },
      { loginId: 'locked', role: 'reviewer', departments: ['環境政策課'] },
      {
        loginId: 'neighbour',
        role: 'reviewer',
        municipalityCode: OTHER_CODE,
        departments: ['環境政策課'],
      },
    ]);
    const intake = app.get(ApplicationIntakeService);
    ours = sodaiGomi('990019');
    theirs = sodaiGomi(OTHER_CODE);
    await intake.store(ours);
    await intake.store(theirs);
    const db = app.get(DataSource);
    const ids = await db.query<{ id: string; municipality_code: string }[]>(
      'SELECT id, municipality_code FROM application',
    );
    oursId = ids.find((r) => r.municipality_code === '990019')!.id;
    theirsId = ids.find((r) => r.municipality_code === OTHER_CODE)!.id;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a visitor without a session to the login page', async () => {
    const res = await request(baseUrl).get('/applications').expect(303);
    expect(res.headers.location).toBe('/login');
    const page = await request(baseUrl).get('/login').expect(200);
    expect(page.text).toContain('ログイン');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('makes the first admin change the one-time password before anything else', async () => {
    expect(firstAdminPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const admin = new StaffAgent(baseUrl);
    const login = await admin.login('admin', firstAdminPassword);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/password');
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`${SESSION_COOKIE}=[^;]+;.*HttpOnly`, 'i'));
    expect(cookie).toMatch(/SameSite=Strict/i);

    const blocked = await admin.agent.get('/applications').expect(303);
    expect(blocked.headers.location).toBe('/password');
    const weak = await admin.post('/password', '/password', {
      current: firstAdminPassword,
      next: 'short',
      confirmation: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('12文字以上');
    const changed = await admin.post('/password', '/password', {
      current: firstAdminPassword,
      next: 'the new admin passphrase',
      confirmation: 'the new admin passphrase',
    });
    expect(changed.status).toBe(303);
    await admin.agent.get('/applications').expect(200);
    const again = await new StaffAgent(baseUrl).login('admin', firstAdminPassword);
    expect(again.status).toBe(401);
  });

  it('answers a wrong password with a generic message and locks after 5 failures', async () => {
    const staff = new StaffAgent(baseUrl);
    const wrongUser = await staff.login('nobody', PASSWORD);
    const wrongPassword = await staff.login('locked', 'not the password');
    expect(wrongUser.status).toBe(401);
    expect(wrongPassword.status).toBe(401);
    const message = (html: string) =>
      /<div class="notice notice--error"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1];
    expect(message(wrongUser.text)).toBeDefined();
    expect(message(wrongUser.text)).toBe(message(wrongPassword.text));
    expect(wrongPassword.text).toContain('value="locked"');
    for (let i = 0; i < 4; i++) {
      expect((await staff.login('locked', `wrong ${i}`)).status).toBe(401);
    }
    const refused = await staff.login('locked', PASSWORD);
    expect(refused.status).toBe(401);
    expect(message(refused.text)).toBe(message(wrongUser.text));
  });

  it('sends a forged or altered session cookie to the login page', async () => {
    const staff = new StaffAgent(baseUrl);
    const login = await staff.login('reviewer', PASSWORD);
    const value = /madoguchi_bo_session=([^;]+)/.exec(String(login.headers['set-cookie']))![1];
    await request(baseUrl)
      .get('/applications')
      .set('Cookie', `${SESSION_COOKIE}=${value}`)
      .expect(200);
    const [id, signature] = decodeURIComponent(value).split('.');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const forged of [
      'forged',
      `${flip(id)}.${signature}`,
      `${id}.${flip(signature)}`,
      id,
      `${randomUUID()}.${signature}`,
    ]) {
      const res = await request(baseUrl)
        .get('/applications')
        .set('Cookie', `${SESSION_COOKIE}=${encodeURIComponent(forged)}`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login');
    }
  });

  it('refuses a POST without the CSRF token with 403', async () => {
    await request(baseUrl)
      .post('/login')
      .type('form')
      .send({ loginId: 'reviewer', password: PASSWORD })
      .expect(403);
    const staff = new StaffAgent(baseUrl);
    await staff.login('reviewer', PASSWORD);
    await staff.agent
      .post(`/applications/${oursId}/status`)
      .type('form')
      .send({ status: 'in_review', version: '0' })
      .expect(403);
    const db = app.get(DataSource);
    await expect(db.query('SELECT COUNT(*) AS n FROM status_outbox')).resolves.toEqual([
      { n: expect.anything() },
    ]);
    const [{ n }] = await db.query<{ n: string | number }[]>(
      'SELECT COUNT(*) AS n FROM status_change',
    );
    expect(Number(n)).toBe(0);
  });

  it('accepts a form token only with the session it was shown to', async () => {
    const staff = new StaffAgent(baseUrl);
    await staff.login('viewer', PASSWORD);
    const oldToken = await staff.csrf('/applications');
    await staff.login('viewer', PASSWORD);
    await staff.agent.post('/logout').type('form').send({ _csrf: oldToken }).expect(403);
    const fresh = await staff.csrf('/applications');
    await staff.agent.post('/logout').type('form').send({ _csrf: fresh }).expect(303);
  });

  it("lists and shows only the staff member's municipality, every value escaped", async () => {
    const staff = new StaffAgent(baseUrl);
    await staff.login('reviewer', PASSWORD);
    const list = await staff.agent.get('/applications').expect(200);
    expect(list.text).toContain(ours.receiptNumber);
    expect(list.text).not.toContain(theirs.receiptNumber);
    expect(list.text).toContain('受付（1）');
    expect(list.text).toContain('粗大ごみ収集申込');

    const detail = await staff.agent.get(`/applications/${oursId}`).expect(200);
    expect(detail.text).toContain('氏名');
    expect(detail.text).toContain('&lt;b&gt;山田&lt;/b&gt; 花子（ヤマダ ハナコ）');
    expect(detail.text).not.toContain('<b>山田</b>');
    expect(detail.text).toContain('〒1000001 まどぐち市本町1-2-3&#x27;; DROP TABLE application;--');
    expect(detail.text).toContain('地図.pdf');

    await staff.agent.get(`/applications/${theirsId}`).expect(404);
    await staff.agent.get(`/applications/${randomUUID()}`).expect(404);
    await staff.agent.get('/applications/not-a-uuid').expect(404);

    const english = await staff.agent.get(`/applications/${oursId}?lang=en`).expect(200);
    expect(english.text).toContain('Request for bulky waste collection');
    expect(english.text).toContain('Answers');
  });

  it('serves an attachment as a download, never rendered, and only to its municipality', async () => {
    const staff = new StaffAgent(baseUrl);
    await staff.login('reviewer', PASSWORD);
    const detail = await staff.agent.get(`/applications/${oursId}`);
    const href = /href="(\/applications\/[^"]+\/attachments\/[^"]+)"/.exec(detail.text)![1];
    const file = await staff.agent.get(href).buffer(true).expect(200);
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename="__.pdf"; filename*=UTF-8''${encodeURIComponent('地図.pdf')}`,
    );
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    expect(file.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.from(file.body as Buffer).toString()).toBe('%PDF-1.7\n地図\n');

    const neighbour = new StaffAgent(baseUrl);
    await neighbour.login('neighbour', PASSWORD);
    await neighbour.agent.get(href).expect(404);
  });

  it('changes the status, records it and writes the outbox in one go', async () => {
    const staff = new StaffAgent(baseUrl);
    await staff.login('reviewer', PASSWORD);
    const page = `/applications/${oursId}`;
    const action = `${page}/status`;

    const notAllowed = await staff.post(page, action, { status: 'completed', version: '0' });
    expect(notAllowed.status).toBe(400);
    expect(notAllowed.text).toContain('この状態には変更できません');

    const ok = await staff.post(page, action, { status: 'in_review', version: '0' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`${page}?changed=status`);

    const stale = await staff.post(page, action, { status: 'completed', version: '0' });
    expect(stale.status).toBe(409);

    const noMessage = await staff.post(page, action, {
      status: 'returned',
      version: '1',
      message: ' ',
    });
    expect(noMessage.status).toBe(400);
    expect(noMessage.text).toContain('申請者へのメッセージ');

    const returned = await staff.post(page, action, {
      status: 'returned',
      version: '1',
      message: '地図の添付をやり直してください。<script>',
    });
    expect(returned.status).toBe(303);
    const shown = await staff.agent.get(page);
    expect(shown.text).toContain('差戻し');
    expect(shown.text).toContain('地図の添付をやり直してください。&lt;script&gt;');

    const db = app.get(DataSource);
    const outbox = await db.query<
      {
        receipt_number: string;
        status: string;
        version: number;
        message: string | null;
        pushed_at: unknown;
      }[]
    >('SELECT receipt_number, status, version, message, pushed_at FROM status_outbox ORDER BY id');
    expect(
      outbox.map((r) => [r.receipt_number, r.status, Number(r.version), r.message, r.pushed_at]),
    ).toEqual([
      [ours.receiptNumber, 'in_review', 1, null, null],
      [ours.receiptNumber, 'returned', 2, '地図の添付をやり直してください。<script>', null],
    ]);
    const history = await db.query<{ from_status: string; to_status: string }[]>(
      'SELECT from_status, to_status FROM status_change ORDER BY id',
    );
    expect(history).toEqual([
      { from_status: 'received', to_status: 'in_review' },
      { from_status: 'in_review', to_status: 'returned' },
    ]);
  });

  it('does not let a viewer change the status or another municipality reach the form', async () => {
    const viewer = new StaffAgent(baseUrl);
    await viewer.login('viewer', PASSWORD);
    const page = await viewer.agent.get(`/applications/${oursId}`).expect(200);
    expect(page.text).not.toContain('name="status"');
    const res = await viewer.post(`/applications/${oursId}`, `/applications/${oursId}/status`, {
      status: 'in_review',
      version: '2',
    });
    expect(res.status).toBe(403);

    const neighbour = new StaffAgent(baseUrl);
    await neighbour.login('neighbour', PASSWORD);
    const guessed = await neighbour.post('/applications', `/applications/${oursId}/status`, {
      status: 'in_review',
      version: '2',
    });
    expect(guessed.status).toBe(404);
  });

  it('logs out and the session is gone', async () => {
    const staff = new StaffAgent(baseUrl);
    const login = await staff.login('reviewer', PASSWORD);
    const cookie = /madoguchi_bo_session=[^;]+/.exec(String(login.headers['set-cookie']))![0];
    const out = await staff.post('/applications', '/logout', {});
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    const res = await request(baseUrl).get('/applications').set('Cookie', cookie);
    expect(res.status).toBe(303);
  });

  it('keeps logins, failed logins, views and downloads in the audit chain (issue 5 §7)', async () => {
    const staff = new StaffAgent(baseUrl);
    expect((await staff.login('nobody-at-all', 'not a password')).status).toBe(401);
    await staff.login('reviewer', PASSWORD);
    const detail = await staff.agent.get(`/applications/${oursId}`).expect(200);
    const href = /href="(\/applications\/[^"]+\/attachments\/[^"]+)"/.exec(detail.text)![1];
    await staff.agent.get(href).expect(200);
    const db = app.get(DataSource);
    const rows = await db.query<Array<Record<string, string | null>>>(
      'SELECT action, actor_login_id, target_id, detail FROM audit_log ORDER BY seq',
    );
    const has = (row: Record<string, unknown>) =>
      expect(rows).toContainEqual(expect.objectContaining(row));
    has({ action: 'login.failed', actor_login_id: 'nobody-at-all', target_id: null });
    has({ action: 'login.succeeded', actor_login_id: 'reviewer' });
    has({ action: 'application.viewed', actor_login_id: 'reviewer', target_id: oursId });
    has({ action: 'attachment.downloaded', actor_login_id: 'reviewer', target_id: oursId });
    expect(JSON.stringify(rows)).not.toContain('not a password');
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
    await expect(app.get(AuditLog).verify(db)).resolves.toMatchObject({ isIntact: true });
  });
});
