import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { loadConfig } from '@madoguchi/common';
import { signTransferRequest } from '@madoguchi/transfer';
import { PortalConfig } from '../apps/portal/src/config/portal.config';
import { createPortalApp } from '../apps/portal/src/portal-app.factory';
import { ResidentAgent } from './support/portal-client';
import { testDatabaseUrl } from './support/test-database';

const FORM = '/m/990019/forms/test-permit';
const KEY = 'test-transfer-key-0123456789abcdef0123';
const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
  Buffer.alloc(64, 1),
]);

describe('resident portal over HTTP', () => {
  let app: NestFastifyApplication;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portal-e2e-'));
    const config = loadConfig(PortalConfig, {
      NODE_ENV: 'test',
      PORTAL_PORT: '0',
      PORTAL_DATABASE_URL: await testDatabaseUrl('portal_e2e', dir),
      PORTAL_DATA_DIR: dir,
      FORMS_DIR: join(__dirname, 'fixtures', 'forms'),
      TRANSFER_KEY: KEY,
    });
    app = await createPortalApp(config);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startDraft(r: ResidentAgent): Promise<void> {
    const res = await r.submit(FORM, `${FORM}/start`, {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${FORM}/steps/1`);
  }

  const validStep1 = {
    'name.family': '山田',
    'name.given': '花子',
    'name.familyKana': 'ヤマダ',
    'name.givenKana': 'ハナコ',
    'address.postalCode': '１００－０００１',
    'address.text': '<script>alert(1)</script>まどぐち市本町1-2-3',
    tel: '03-1234-5678',
    has_partner: 'no',
  };

  it('lists the municipality and its forms, in Japanese and in English', async () => {
    const home = await request(base).get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('まどぐち市（テスト）');
    const list = await request(base).get('/m/990019?lang=en');
    expect(list.text).toContain('Test permit application');
    expect(list.headers['content-security-policy']).toContain("script-src 'self'");
    expect(list.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(
      await request(base)
        .get('/m/000000')
        .then((r) => r.status),
    ).toBe(404);
  });

  it('fills the form step by step, shows errors next to fields, keeps the draft, submits and shows the status', async () => {
    const r = new ResidentAgent(base);
    await startDraft(r);

    // Empty first step: every required field gets a Japanese message saying what to fix.
    let res = await r.submit(`${FORM}/steps/1`, `${FORM}/steps/1`, {});
    expect(res.status).toBe(422);
    expect(res.text).toContain('入力内容を確認してください');
    expect(res.text).toContain('id="tel-error"');

    res = await r.submit(`${FORM}/steps/1`, `${FORM}/steps/1`, { ...validStep1, tel: 'abc' });
    expect(res.status).toBe(422);
    // What was typed is kept (escaped), even when a field is wrong.
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;まどぐち市本町1-2-3');
    expect(res.text).not.toContain('<script>alert(1)');

    res = await r.submit(`${FORM}/steps/1`, `${FORM}/steps/1`, validStep1);
    expect(res.status).toBe(303);
    // has_partner = no: the companion step is skipped.
    expect(res.headers.location).toBe(`${FORM}/steps/2`);
    const step2 = await r.page(`${FORM}/steps/2`);
    expect(step2.text).toContain('申請内容');

    // A reload resumes the draft: the first step still shows what was saved.
    const again = await r.page(`${FORM}/steps/1`);
    expect(again.text).toContain('value="山田"');
    expect(again.text).toContain('value="1000001"');

    // Out-of-range number, then a disguised attachment (PNG bytes named .pdf is fine: PNG is accepted; text named .pdf is not).
    res = await r.agent
      .post(`${FORM}/steps/2`)
      .field('_csrf', step2.csrf)
      .field('count', '11')
      .attach('document', Buffer.from('this is not a pdf'), 'scan.pdf');
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="count-error"');
    expect(res.text).toContain('id="document-error"');

    const step2b = await r.page(`${FORM}/steps/2`);
    res = await r.agent
      .post(`${FORM}/steps/2`)
      .field('_csrf', step2b.csrf)
      .field('count', '２')
      .field('note', "'; DROP TABLE application; --")
      .attach('document', PNG, 'map.png');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${FORM}/confirm`);

    const confirm = await r.page(`${FORM}/confirm`);
    expect(confirm.text).toContain('入力内容の確認');
    expect(confirm.text).toContain('map.png');
    expect(confirm.text).toContain('この内容で申請する');

    res = await r.agent.post(`${FORM}/submit`).type('form').send({ _csrf: confirm.csrf });
    expect(res.status).toBe(303);
    const location = String(res.headers.location);
    expect(location).toMatch(/^\/status\/\d{8}-\d{8}\/[A-Za-z0-9_-]{22}\?submitted=1$/);
    const status = await r.page(location);
    expect(status.text).toContain('申請を受け付けました');
    expect(status.text).toContain('送信済み');

    // The draft is gone after submission.
    expect((await r.page(`${FORM}/steps/1`)).status).toBe(410);

    // The status page needs the secret.
    const wrong = location.replace(/\/[A-Za-z0-9_-]{22}\?/, '/AAAAAAAAAAAAAAAAAAAAAA?');
    expect((await r.page(wrong)).status).toBe(404);
  });

  it('shows the companion step only when chosen', async () => {
    const r = new ResidentAgent(base);
    await startDraft(r);
    const res = await r.submit(`${FORM}/steps/1`, `${FORM}/steps/1`, {
      ...validStep1,
      has_partner: 'yes',
    });
    expect(res.headers.location).toBe(`${FORM}/steps/2`);
    expect((await r.page(`${FORM}/steps/2`)).text).toContain('同行者の氏名');
  });

  it('refuses a POST without a valid CSRF token and loses nothing', async () => {
    const r = new ResidentAgent(base);
    await startDraft(r);
    await r.submit(`${FORM}/steps/1`, `${FORM}/steps/1`, validStep1);
    const res = await r.agent
      .post(`${FORM}/steps/1`)
      .type('form')
      .send({ ...validStep1, tel: '999' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('ページの有効期限が切れたため');
    expect((await r.page(`${FORM}/steps/1`)).text).toContain('value="03-1234-5678"');
  });

  it('gives every first visit the same start page, with no token and no cookie, and checks its button by origin', async () => {
    const first = await request(base).get(FORM).expect(200);
    const second = await request(base).get(FORM).expect(200);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.text).not.toContain('_csrf');
    expect(second.text).toBe(first.text);
    expect(first.headers['content-security-policy']).toContain("script-src 'self'");

    // a resident with a draft; another site makes their browser post the start button (to replace the draft)
    const r = new ResidentAgent(base);
    await startDraft(r);
    await r.submit(`${FORM}/steps/1`, `${FORM}/steps/1`, validStep1);
    for (const headers of [
      { Origin: 'https://evil.example' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: new URL(base).origin },
      {},
    ]) {
      const res = await r.agent.post(`${FORM}/start`).set(headers).type('form').send({});
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      expect(res.text).toContain('ページの有効期限が切れたため');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await r.page(`${FORM}/steps/1`)).text).toContain('value="山田"');
    // the resident's own click (same origin) does start again
    const again = await r.submit(FORM, `${FORM}/start`, {});
    expect(again.status).toBe(303);
    expect((await r.page(`${FORM}/steps/1`)).text).not.toContain('value="山田"');
  });

  it('refuses an oversize upload with a Japanese message and keeps the draft', async () => {
    const r = new ResidentAgent(base);
    await startDraft(r);
    await r.submit(`${FORM}/steps/1`, `${FORM}/steps/1`, validStep1);
    const step2 = await r.page(`${FORM}/steps/2`);
    const res = await r.agent
      .post(`${FORM}/steps/2`)
      .field('_csrf', step2.csrf)
      .field('count', '1')
      .attach('document', Buffer.alloc(11 * 1024 * 1024, 7), 'huge.png');
    expect(res.status).toBe(413);
    expect(res.text).toContain('ファイルが大きすぎます');
    expect((await r.page(`${FORM}/steps/1`)).text).toContain('value="山田"');
  });

  it('does not accept a forged draft cookie', async () => {
    const res = await request(base)
      .get(`${FORM}/steps/1`)
      .set('Cookie', 'portal_draft_990019_test-permit=forged.signature');
    expect(res.status).toBe(410);
    expect(res.text).toContain('最初から入力してください');
  });

  it('lets a signature form be filled and reviewed, and submitted only by signing', async () => {
    const r = new ResidentAgent(base);
    const path = '/m/990019/forms/test-signed';
    const start = await r.page(path);
    expect(start.text).toContain('マイナンバーカードで電子署名をして提出します');
    await r.submit(path, `${path}/start`, {});
    const res = await r.submit(`${path}/steps/1`, `${path}/steps/1`, { purpose: '年金の手続き' });
    expect(res.headers.location).toBe(`${path}/confirm`);
    const confirm = await r.page(`${path}/confirm`);
    expect(confirm.text).not.toContain('この内容で申請する');
    expect(confirm.text).toContain('マイナンバーカードで署名して申請する');
    // A resident cannot submit it even by posting directly (the confirm page has no submit form to take a token from).
    const { csrf } = await r.page(`${path}/steps/1`);
    const submit = await r.agent.post(`${path}/submit`).type('form').send({ _csrf: csrf });
    expect(submit.status).toBe(409);
    expect(submit.text).toContain('電子署名をして提出します');
  });

  describe('transfer API', () => {
    function signed(method: 'GET' | 'POST', path: string, body?: unknown, key = KEY) {
      const bytes = body === undefined ? new Uint8Array() : Buffer.from(JSON.stringify(body));
      const headers = signTransferRequest(key, method, path, bytes);
      const req = method === 'GET' ? request(base).get(path) : request(base).post(path);
      for (const [k, v] of Object.entries(headers)) {
        void req.set(k, v);
      }
      if (body !== undefined) {
        void req.set('content-type', 'application/json').send(Buffer.from(bytes));
      }
      return { req, headers };
    }

    it('refuses unsigned, wrongly signed, tampered and replayed requests', async () => {
      expect((await request(base).get('/transfer/v1/applications')).status).toBe(401);
      expect(
        (await signed('GET', '/transfer/v1/applications', undefined, 'x'.repeat(40)).req).status,
      ).toBe(401);

      const body = { updates: [] };
      const bytes = Buffer.from(JSON.stringify(body));
      const headers = signTransferRequest(KEY, 'POST', '/transfer/v1/status', bytes);
      const tampered = await request(base)
        .post('/transfer/v1/status')
        .set(headers)
        .set('content-type', 'application/json')
        .send(JSON.stringify({ updates: [{ x: 1 }] }));
      expect(tampered.status).toBe(401);

      const first = signed('GET', '/transfer/v1/applications?limit=1');
      expect((await first.req).status).toBe(200);
      const replay = await request(base)
        .get('/transfer/v1/applications?limit=1')
        .set(first.headers);
      expect(replay.status).toBe(401);
      expect(replay.body.error).toBe('TRANSFER_REPLAYED');

      const stale = signTransferRequest(
        KEY,
        'GET',
        '/transfer/v1/applications',
        undefined,
        Date.now() - 10 * 60_000,
      );
      expect((await request(base).get('/transfer/v1/applications').set(stale)).body.error).toBe(
        'TRANSFER_STALE',
      );
    });
  });
});
