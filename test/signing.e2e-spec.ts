import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { loadConfig } from '@madoguchi/common';
import { PortalConfig } from '../apps/portal/src/config/portal.config';
import { createPortalApp } from '../apps/portal/src/portal-app.factory';
import { ApplicationEntity } from '../apps/portal/src/database/entities/application.entity';
import { ResidentAgent } from './support/portal-client';
import { testDatabaseUrl } from './support/test-database';
import { HOLDER, issueCard, opensslCmsVerify, startJlis } from './support/signing-env';
import type { SimulatedJlis } from '@madoguchi/virtual-card';

const SIGNED = '/m/990019/forms/test-signed';
const CARDFACE = '/m/990019/forms/test-cardface';

describe('card-face reading and JPKI signing through the signer API', () => {
  let app: NestFastifyApplication;
  let base: string;
  let dir: string;
  let jlis: SimulatedJlis;
  let rootFile: string;
  let closeJlis: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signing-e2e-'));
    const started = await startJlis(dir);
    ({ jlis, rootFile } = started);
    closeJlis = started.close;
    const config = loadConfig(PortalConfig, {
      NODE_ENV: 'test',
      PORTAL_DATABASE_URL: await testDatabaseUrl('signing_e2e', dir),
      PORTAL_DATA_DIR: dir,
      FORMS_DIR: join(__dirname, 'fixtures', 'forms'),
      JPKI_TRUST_ANCHORS: started.rootFile,
      JPKI_INTERMEDIATES: started.signCaFile,
      JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
    });
    app = await createPortalApp(config);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
    await closeJlis();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A resident fills test-signed and presses 「マイナンバーカードで署名して申請する」. */
  async function openSigning(r: ResidentAgent) {
    await r.submit(SIGNED, `${SIGNED}/start`, {});
    await r.submit(`${SIGNED}/steps/1`, `${SIGNED}/steps/1`, { purpose: '<b>年金</b>の手続き' });
    const confirm = await r.page(`${SIGNED}/confirm`);
    const res = await r.agent.post(`${SIGNED}/sign`).type('form').send({ _csrf: confirm.csrf });
    expect(res.status).toBe(200);
    return handoffOf(res.text);
  }

  function handoffOf(escaped: string) {
    // Handlebars escapes `=` in attributes (&#x3D;); a browser reads the same URL.
    const html = escaped.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const token = /\/s\/([A-Za-z0-9_-]{22})/.exec(html)?.[1] ?? '';
    const statePath = /data-state-url="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(token).not.toBe('');
    expect(html).toContain('<svg');
    expect(html).toContain('madoguchi-signer://session?url=');
    return { token, api: `/api/signer/v1/sessions/${token}`, statePath, html };
  }

  /** What a card app does (apps/signer does the same): verify, read the certificate, sign the DigestInfo. */
  async function signWithCard(api: string, jpki: Awaited<ReturnType<typeof issueCard>>['jpki']) {
    await jpki.selectJpkiAp();
    await jpki.verifySignPassword(HOLDER.signPassword);
    const certificate = await jpki.readSigningCertificate();
    const phase1 = await request(base)
      .post(`${api}/certificate`)
      .send({ certificate: certificate.toString('base64') });
    expect(phase1.status).toBe(200);
    const digestInfo = Buffer.from(phase1.body.digestInfo, 'base64');
    expect(digestInfo).toHaveLength(51);
    const signature = await jpki.signWithSigningKey(digestInfo);
    return request(base)
      .post(`${api}/signature`)
      .send({ signature: signature.toString('base64') });
  }

  it('signs with the card: the PC page switches over, the CMS verifies with openssl, the receipt is issued', async () => {
    const r = new ResidentAgent(base);
    const { api, statePath, token } = await openSigning(r);

    const session = await request(base).get(api);
    expect(session.status).toBe(200);
    expect(session.body.kind).toBe('sign');
    expect(session.body.summary).toEqual([
      { label: { ja: '使用目的' }, value: '<b>年金</b>の手続き' },
    ]);
    expect(session.body.document.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await r.agent.get(statePath)).body.status).toBe('open');
    // The fallback page of the QR code explains what to do.
    expect((await request(base).get(`/s/${token}`)).text).toContain('まどぐち署名アプリ');

    const { jpki } = await issueCard(jlis);
    const signed = await signWithCard(api, jpki);
    expect(signed.status).toBe(200);
    expect(signed.body.receiptNumber).toMatch(/^\d{8}-\d{8}$/);

    const state = await r.agent.get(statePath);
    expect(state.body.status).toBe('completed');
    const status = await r.page(state.body.redirect);
    expect(status.text).toContain('申請を受け付けました');
    expect(status.text).toContain(signed.body.receiptNumber);

    // The token was single-use.
    expect((await request(base).get(api)).status).toBe(410);

    const db = app.get(DataSource);
    const stored = await db
      .getRepository(ApplicationEntity)
      .findOneByOrFail({ receiptNumber: signed.body.receiptNumber });
    const sig = stored.identity?.signature;
    expect(sig).toBeTruthy();
    expect((sig?.report as { indication: string }).indication).toBe('TOTAL-PASSED');
    expect(sig?.evidence.ocsp?.length ?? 0).toBeGreaterThan(0);
    expect(stored.answers).toEqual({ purpose: '<b>年金</b>の手続き' });
    const verified = opensslCmsVerify(
      dir,
      Buffer.from(sig!.cms, 'base64'),
      Buffer.from(sig!.document, 'utf8'),
      rootFile,
    );
    expect(verified).toMatch(/^0 .*Verification successful/s);
  });

  it('streams the session state as server-sent events', async () => {
    const r = new ResidentAgent(base);
    const { api, statePath } = await openSigning(r);
    const cookies = (await r.agent.get(statePath)).request.cookies;
    const events = await fetch(`${base}${statePath.replace(/state$/, 'events')}`, {
      headers: { cookie: cookies },
    });
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    const reader = events.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: state');
    expect(first).toContain('"status":"open"');
    const { jpki } = await issueCard(jlis);
    expect((await signWithCard(api, jpki)).status).toBe(200);
    let text = '';
    while (!text.includes('"status":"completed"')) {
      const chunk = await reader.read();
      if (chunk.done) {
        break;
      }
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text).toContain('"redirect":"/status/');
    await reader.cancel();
  });

  it('refuses a revoked signing certificate (a resident who moved) and tells the PC page what to do', async () => {
    const r = new ResidentAgent(base);
    const { api, statePath } = await openSigning(r);
    const { jpki, signSerial } = await issueCard(jlis);
    await jlis.revoke(signSerial, 'superseded');
    const res = await signWithCard(api, jpki);
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('CERTIFICATE_REVOKED');
    expect(res.body.message.ja).toContain('失効');
    const state = await r.agent.get(statePath);
    expect(state.body.status).toBe('failed');
    expect(state.body.message.ja).toContain('再発行');
  });

  it('refuses a signature that is not over the portal’s own attributes', async () => {
    const r = new ResidentAgent(base);
    const { api } = await openSigning(r);
    const { jpki } = await issueCard(jlis);
    await jpki.selectJpkiAp();
    await jpki.verifySignPassword(HOLDER.signPassword);
    const certificate = await jpki.readSigningCertificate();
    await request(base)
      .post(`${api}/certificate`)
      .send({ certificate: certificate.toString('base64') });
    const forged = await jpki.signWithSigningKey(
      Buffer.concat([
        Buffer.from('3031300d060960864801650304020105000420', 'hex'),
        Buffer.alloc(32, 7),
      ]),
    );
    const res = await request(base)
      .post(`${api}/signature`)
      .send({ signature: forged.toString('base64') });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('SIGNATURE_INVALID');
  });

  it('reports a blocked PIN from the card app to the PC page, and refuses unknown tokens and bad input', async () => {
    const r = new ResidentAgent(base);
    const { api, statePath } = await openSigning(r);
    expect((await request(base).post(`${api}/signature`).send({ signature: 'AAAA' })).status).toBe(
      400,
    );
    expect(
      (await request(base).post(`${api}/certificate`).send({ certificate: '!!!' })).status,
    ).toBe(400);
    expect(
      (
        await request(base)
          .post(`${api}/certificate`)
          .send({ certificate: Buffer.from('not a cert').toString('base64') })
      ).status,
    ).toBe(422);
    expect(
      (await request(base).post(`${api}/failure`).send({ reason: 'PIN_BLOCKED' })).status,
    ).toBe(200);
    const state = await r.agent.get(statePath);
    expect(state.body.message.ja).toContain('窓口');
    expect((await request(base).get('/api/signer/v1/sessions/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(
      404,
    );
  });

  it('refreshes the QR code: the old token stops working', async () => {
    const r = new ResidentAgent(base);
    const { api, html } = await openSigning(r);
    const action = /action="([^"]+\/refresh)"/.exec(html)?.[1] ?? '';
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const refreshed = await r.agent.post(action).type('form').send({ _csrf: csrf });
    const next = handoffOf(refreshed.text);
    expect(next.api).not.toBe(api);
    expect((await request(base).get(api)).status).toBe(404);
    expect((await request(base).get(next.api)).status).toBe(200);
  });

  it('fills the form from the card face (basic four, never the individual number)', async () => {
    const r = new ResidentAgent(base);
    await r.submit(CARDFACE, `${CARDFACE}/start`, {});
    const step = await r.page(`${CARDFACE}/steps/1`);
    expect(step.text).toContain('マイナンバーカードで入力');
    const res = await r.agent.post(`${CARDFACE}/cardface`).type('form').send({ _csrf: step.csrf });
    const { api, statePath } = handoffOf(res.text);
    const session = await request(base).get(api);
    expect(session.body).toMatchObject({
      kind: 'cardface',
      requested: ['name', 'address', 'birthdate', 'sex'],
    });

    const { jpki } = await issueCard(jlis);
    await jpki.selectTextAp();
    await jpki.verifyTextPin(HOLDER.textPin);
    const four = await jpki.readBasicFour();
    // Anything beyond the four details (an individual number above all) is refused and saves nothing.
    const leak = await request(base)
      .post(`${api}/cardface`)
      .send({ ...four, myNumber: '123456789018' });
    expect(leak.status).toBe(422);
    const ok = await request(base).post(`${api}/cardface`).send(four);
    expect(ok.status).toBe(200);

    const state = await r.agent.get(statePath);
    expect(state.body.status).toBe('completed');
    const filled = await r.page(state.body.redirect);
    expect(filled.text).toContain('マイナンバーカードから読み取った内容を入力しました');
    expect(filled.text).toContain('value="窓口"');
    expect(filled.text).toContain('value="花子"');
    expect(filled.text).toContain('value="1990-01-02"');
    expect(filled.text).toMatch(/value="female" checked/);
    expect(filled.text).toContain('東京都千代田区霞が関２丁目１番２号');
  });
});
