import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@madoguchi/common';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import { PortalConfig } from '../apps/portal/src/config/portal.config';
import { createPortalApp } from '../apps/portal/src/portal-app.factory';
import { EXIT_CODE, runSignerCli, SignerErrorCode } from '../apps/signer/src';
import { ResidentAgent } from './support/portal-client';
import { freePort, HOLDER, issueCard, startJlis } from './support/signing-env';
import { testDatabaseUrl } from './support/test-database';

jest.setTimeout(60_000);

const SIGNED = '/m/990019/forms/test-signed';
const CARDFACE = '/m/990019/forms/test-cardface';

/**
 * apps/signer, the reference card app, against the real portal: the CLI entry (`runSignerCli`, what
 * `npm run signer` runs) with a virtual card state file and `--pin-stdin`, every HTTP body it sends captured.
 */
describe('signer app against the portal', () => {
  let app: NestFastifyApplication;
  let base: string;
  let dir: string;
  let jlis: SimulatedJlis;
  let closeJlis: () => Promise<void>;
  const bodies: string[] = [];

  /** fetch, keeping every request body the app sends. */
  const capturingFetch: typeof fetch = (input, init) => {
    if (typeof init?.body === 'string') {
      bodies.push(init.body);
    }
    return fetch(input, init);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signer-e2e-'));
    const started = await startJlis(dir);
    jlis = started.jlis;
    closeJlis = started.close;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig(PortalConfig, {
      NODE_ENV: 'test',
      // The QR code and the deep link carry this origin: the app is run against exactly them.
      PORTAL_PUBLIC_URL: base,
      PORTAL_DATABASE_URL: await testDatabaseUrl('signer_e2e', dir),
      PORTAL_DATA_DIR: dir,
      FORMS_DIR: join(__dirname, 'fixtures', 'forms'),
      JPKI_TRUST_ANCHORS: started.rootFile,
      JPKI_INTERMEDIATES: started.signCaFile,
      JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
    });
    app = await createPortalApp(config);
    await app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await closeJlis?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cardFile(name: string): Promise<{ file: string; signSerial: string }> {
    const { card, signSerial } = await issueCard(jlis);
    const file = join(dir, `${name}.json`);
    card.saveTo(file);
    return { file, signSerial };
  }

  /** The QR code's URL (on this test's port) and the phone's deep link from the hand-off page. */
  function handoffOf(html: string) {
    const unescape = (s: string) => s.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const qrUrl = unescape(/href="(http[^"]+\/s\/[A-Za-z0-9_-]+)"/.exec(html)?.[1] ?? '');
    const deepLink = unescape(/href="(madoguchi-signer:[^"]+)"/.exec(html)?.[1] ?? '');
    expect(qrUrl.startsWith(`${base}/s/`)).toBe(true);
    expect(deepLink).toMatch(/^madoguchi-signer:\/\/session\?url=/);
    const statePath = /data-state-url="([^"]+)"/.exec(html)?.[1] ?? '';
    return { qrUrl, deepLink, statePath };
  }

  async function openSigning(r: ResidentAgent) {
    await r.submit(SIGNED, `${SIGNED}/start`, {});
    await r.submit(`${SIGNED}/steps/1`, `${SIGNED}/steps/1`, { purpose: '年金の手続き' });
    const confirm = await r.page(`${SIGNED}/confirm`);
    const res = await r.agent.post(`${SIGNED}/sign`).type('form').send({ _csrf: confirm.csrf });
    expect(res.status).toBe(200);
    return handoffOf(res.text);
  }

  async function signer(url: string, file: string, secret: string, lang: 'ja' | 'en' = 'ja') {
    const stdin = new PassThrough();
    stdin.end(`${secret}\n`);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSignerCli([url, '--virtual-card', file, '--pin-stdin', '--lang', lang], {
      stdin,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      write: () => undefined,
      fetch: capturingFetch,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('reads the card face, then signs with the same card; the receipt is issued and the token is single-use', async () => {
    const r = new ResidentAgent(base);
    const { file } = await cardFile('holder');
    await r.submit(CARDFACE, `${CARDFACE}/start`, {});
    const step = await r.page(`${CARDFACE}/steps/1`);
    const res = await r.agent.post(`${CARDFACE}/cardface`).type('form').send({ _csrf: step.csrf });
    const cardface = handoffOf(res.text);

    const read = await signer(cardface.deepLink, file, HOLDER.textPin);

    expect(read.err).toBe('');
    expect(read.code).toBe(EXIT_CODE.ok);
    expect(read.out).toContain('氏名、住所、生年月日、性別');
    expect((await r.agent.get(cardface.statePath)).body.status).toBe('completed');

    const signing = await openSigning(r);
    const signed = await signer(signing.qrUrl, file, HOLDER.signPassword.toLowerCase());

    expect(signed.err).toBe('');
    expect(signed.code).toBe(EXIT_CODE.ok);
    expect(signed.out).toContain('使用目的: 年金の手続き');
    const receipt = /受付番号: (\S+)/.exec(signed.out)?.[1] ?? '';
    expect(receipt).toMatch(/^\d{8}-\d{8}$/);
    const state = await r.agent.get(signing.statePath);
    expect(state.body.status).toBe('completed');
    expect((await r.page(state.body.redirect)).text).toContain(receipt);

    const replay = await signer(signing.qrUrl, file, HOLDER.signPassword);
    expect(replay.code).toBe(EXIT_CODE[SignerErrorCode.SessionExpired]);
    expect(replay.err).toContain('QRコードを更新する');
  });

  it('wrong password twice, then right: the tries go down, the session stays open, then it signs', async () => {
    const r = new ResidentAgent(base);
    const { file } = await cardFile('typo');
    const { qrUrl, statePath } = await openSigning(r);

    const first = await signer(qrUrl, file, 'WRONG1');
    const second = await signer(qrUrl, file, 'WRONG2');

    expect(first.code).toBe(EXIT_CODE[SignerErrorCode.WrongPin]);
    expect(first.err).toContain('残り4回');
    expect(second.out).toContain('残り回数: 4回');
    expect(second.err).toContain('残り3回');
    expect((await r.agent.get(statePath)).body.status).toBe('open');
    const third = await signer(qrUrl, file, HOLDER.signPassword);
    expect(third.out).toContain('残り回数: 3回');
    expect(third.code).toBe(EXIT_CODE.ok);
    expect((await r.agent.get(statePath)).body.status).toBe('completed');
  });

  it('a blocked card: the app names the municipal office and the PC page is told', async () => {
    const r = new ResidentAgent(base);
    const { file } = await cardFile('blocked');
    const { qrUrl, statePath } = await openSigning(r);
    for (let i = 0; i < 4; i++) {
      await signer(qrUrl, file, 'WRONG1');
    }

    const last = await signer(qrUrl, file, 'WRONG1');

    expect(last.out).toContain('残り1回です。間違えるとロックされます');
    expect(last.code).toBe(EXIT_CODE[SignerErrorCode.PinBlocked]);
    expect(last.err).toContain('市区町村の窓口');
    const state = await r.agent.get(statePath);
    expect(state.body.status).toBe('failed');
    expect(state.body.message.ja).toContain('窓口');
  });

  it('a revoked certificate is refused with the portal’s message', async () => {
    const r = new ResidentAgent(base);
    const { file, signSerial } = await cardFile('revoked');
    await jlis.revoke(signSerial, 'superseded');
    const { qrUrl } = await openSigning(r);

    const sut = await signer(qrUrl, file, HOLDER.signPassword, 'en');

    expect(sut.code).toBe(EXIT_CODE[SignerErrorCode.SignatureRefused]);
    expect(sut.err).toMatch(/not accepted/);
  });

  it('no request body ever carried the individual number or a PIN or password', () => {
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) {
      expect(body).not.toMatch(/\d{12}/);
      expect(body).not.toContain(HOLDER.textPin);
      expect(body.toUpperCase()).not.toContain(HOLDER.signPassword);
      expect(body).not.toMatch(/WRONG[12]/);
    }
  });
});
