import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '@madoguchi/common';
import { sha256DigestInfo } from '@madoguchi/jpki';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import { DataSource } from 'typeorm';
import { hashToken } from '../../apps/portal/src/card-sessions/card-sessions.service';
import { PortalConfig } from '../../apps/portal/src/config/portal.config';
import { CardSessionEntity } from '../../apps/portal/src/database/entities/card-session.entity';
import { createPortalApp } from '../../apps/portal/src/portal-app.factory';
import { createBackofficeApp } from '../../apps/backoffice/src/backoffice.app';
import { loadBackofficeConfig } from '../../apps/backoffice/src/config/backoffice.config';
import { PullWorker } from '../../apps/backoffice/src/transfer/pull.worker';
import {
  EXIT_CODE,
  runSignerCli,
  SignerApiClient,
  SignerError,
  SignerErrorCode,
  toSessionApiUrl,
} from '../../apps/signer/src';
import { freePort, HOLDER, issueCard, startJlis } from '../support/signing-env';
import { createStaff } from '../support/staff-agent';
import { testDatabaseUrl } from '../support/test-database';
import { openChromium, PageAudit } from './support/page-audit';
import { readQrCode } from './support/qr-code';

const ROOT = resolve(__dirname, '..', '..');
const SCREENSHOTS = join(ROOT, 'tmp', 'screenshots', 'signing');
const CARDFACE = '/m/990019/forms/test-cardface';
const SIGNED = '/m/990019/forms/test-signed';
const TRANSFER_KEY = 'browser-test-transfer-key-0123456789abcdef';
const STAFF_PASSWORD = 'a long reviewer password';

/**
 * Issue 4 §9: a resident on a PC (chromium, 1280×800) reads the card face and signs; the QR code on the page is
 * decoded from a screenshot and the reference card app (apps/signer, virtual card file, PIN on stdin) is run
 * against exactly that URL; the page switches over by itself.
 */
/** The reference card app (apps/signer) with a virtual card file, the PIN on stdin: its exit code and output. */
async function signer(url: string, file: string, secret: string) {
  const stdin = new PassThrough();
  stdin.end(`${secret}\n`);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSignerCli([url, '--virtual-card', file, '--pin-stdin'], {
    stdin,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    write: () => undefined,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('card-face reading and signing from a PC, the card app run against the QR code', () => {
  let app: NestFastifyApplication;
  let backoffice: NestFastifyApplication;
  let backofficeBase: string;
  let base: string;
  let dir: string;
  let jlis: SimulatedJlis;
  let closeJlis: () => Promise<void>;
  let context: BrowserContext;
  let page: Page;
  let audit: PageAudit;
  let cards = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signing-browser-'));
    const started = await startJlis(dir);
    jlis = started.jlis;
    closeJlis = started.close;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig(PortalConfig, {
      NODE_ENV: 'test',
      PORTAL_PUBLIC_URL: base,
      PORTAL_DATABASE_URL: await testDatabaseUrl('signing_browser', dir),
      PORTAL_DATA_DIR: dir,
      FORMS_DIR: join(ROOT, 'test', 'fixtures', 'forms'),
      TRANSFER_KEY,
      JPKI_TRUST_ANCHORS: started.rootFile,
      JPKI_INTERMEDIATES: started.signCaFile,
      JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
    });
    app = await createPortalApp(config);
    await app.listen(port, '127.0.0.1');
    // The back office beside it, as the launcher runs it: its own database, trust store and revocation check.
    const backofficePort = await freePort();
    backofficeBase = `http://127.0.0.1:${backofficePort}`;
    backoffice = await createBackofficeApp(
      loadBackofficeConfig({
        NODE_ENV: 'test',
        BACKOFFICE_PORT: String(backofficePort),
        BACKOFFICE_DATABASE_URL: await testDatabaseUrl('signing_browser_backoffice', dir),
        BACKOFFICE_DATA_DIR: join(dir, 'backoffice'),
        PORTAL_TRANSFER_URL: base,
        FORMS_DIR: join(ROOT, 'test', 'fixtures', 'forms'),
        TRANSFER_KEY,
        JPKI_TRUST_ANCHORS: started.rootFile,
        JPKI_INTERMEDIATES: started.signCaFile,
        JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
      }),
      { isWorkerManual: true, logger: false, announceFirstAdmin: () => undefined },
    );
    await backoffice.listen(backofficePort, '127.0.0.1');
    await createStaff(backoffice, STAFF_PASSWORD, [
      {
        loginId: 'reviewer',
        role: 'reviewer',
        displayName: '審査 担当',
        departments: ['テスト課'],
      },
    ]);
    ({ context, page } = await openChromium(dir));
    audit = new PageAudit(page, new URL(base).origin, SCREENSHOTS);
  });

  afterAll(async () => {
    if (audit) {
      console.log(audit.report());
    }
    await context?.close();
    await backoffice?.close();
    await app?.close();
    await closeJlis?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const visit = (name: string, go: () => Promise<unknown>) => audit.visit(name, go);

  /**
   * A reviewer's browser tab on the back office (its own origin, so its own audit): log in, open the application
   * from the list, and return the verdict panel of its detail page.
   */
  async function reviewInBackoffice(receipt: string) {
    const staffPage = await context.newPage();
    const staffAudit = new PageAudit(staffPage, backofficeBase, join(SCREENSHOTS, 'backoffice'));
    const go = (name: string, action: () => Promise<unknown>) => staffAudit.visit(name, action);
    try {
      await go('login', () => staffPage.goto(`${backofficeBase}/login`));
      await staffPage.getByLabel('ログインID').fill('reviewer');
      await staffPage.getByLabel('パスワード').fill(STAFF_PASSWORD);
      await go('list', () => staffPage.getByRole('button', { name: 'ログイン' }).click());
      expect(new URL(staffPage.url()).pathname).toBe('/applications');
      await go('detail', () => staffPage.getByRole('link', { name: receipt }).click());
      const verdict = staffPage.locator('[data-indication]');
      const indication = await verdict.getAttribute('data-indication');
      const text = (await verdict.textContent()) ?? '';
      // 現況確認 (issue 5 §4): asked again now, shown beside the verdict at pickup
      await go('revocation-check', () =>
        staffPage.getByRole('button', { name: '現況確認' }).click(),
      );
      return {
        indication,
        text,
        revocationNow: (await staffPage.locator('[data-revocation-latest]').textContent()) ?? '',
        checks: await staffPage.locator('table.checks tbody tr').count(),
        failedChecks: await staffPage.locator('table.checks tbody tr', { hasText: '✖' }).count(),
        audit: staffAudit,
      };
    } finally {
      console.log(staffAudit.report());
      await staffPage.close();
    }
  }

  async function cardFile(jlisOfCard = jlis): Promise<{ file: string; signSerial: string }> {
    const { card, signSerial } = await issueCard(jlisOfCard);
    cards += 1;
    const file = join(dir, `card-${cards}.json`);
    card.saveTo(file);
    return { file, signSerial };
  }

  /** The hand-off page as the resident sees it: its QR code, decoded as a phone would. */
  async function scanQr(): Promise<string> {
    const qr = page.locator('figure.qr svg');
    await qr.waitFor();
    const url = await readQrCode(qr);
    expect(url).toMatch(new RegExp(`^${base}/s/[A-Za-z0-9_-]{22}$`));
    return url;
  }

  /** The page switches over by itself: the test waits for it, never reloads. */
  async function switchesTo(name: string, path: RegExp): Promise<void> {
    audit.beginPage();
    await page.waitForURL((u) => path.test(u.pathname), { timeout: 15_000 });
    await audit.check(name);
  }

  async function statusMessage(): Promise<string> {
    const status = page.locator('#handoff-status.notice--error');
    await status.waitFor({ timeout: 15_000 });
    return (await status.textContent()) ?? '';
  }

  /** test-signed up to the hand-off page of its signature. */
  async function openSigning(name: string): Promise<string> {
    // A new resident each time: a draft left by an earlier case would offer 「続きから」 instead.
    await context.clearCookies();
    await visit(`${name}-start`, () => page.goto(`${base}${SIGNED}`));
    await visit(`${name}-step1`, () =>
      page.getByRole('button', { name: '申請をはじめる' }).click(),
    );
    await page.getByLabel('使用目的').fill('年金の手続き');
    await visit(`${name}-confirm`, () => page.getByRole('button', { name: /確認/ }).click());
    await visit(`${name}-handoff`, () =>
      page.getByRole('button', { name: 'マイナンバーカードで署名して申請する' }).click(),
    );
    return scanQr();
  }

  it('reads the card face, then signs with the same card; the page shows the receipt; axe passes everywhere', async () => {
    const { file } = await cardFile();
    await visit('start', () => page.goto(`${base}${CARDFACE}`));
    await visit('step1', () => page.getByRole('button', { name: '申請をはじめる' }).click());
    await visit('cardface-handoff', () =>
      page.getByRole('button', { name: 'マイナンバーカードで入力' }).click(),
    );
    expect(await page.locator('#handoff-status').textContent()).toContain(
      'アプリでの操作を待っています',
    );
    const readUrl = await scanQr();

    const read = await signer(readUrl, file, HOLDER.textPin);
    expect(read.err).toBe('');
    expect(read.code).toBe(EXIT_CODE.ok);

    await switchesTo('step1-filled', /\/steps\/1$/);
    expect(await page.locator('main').textContent()).toContain(
      'マイナンバーカードから読み取った内容を入力しました',
    );
    expect(await page.getByLabel('姓', { exact: true }).inputValue()).toBe('窓口');
    expect(await page.getByLabel('名', { exact: true }).inputValue()).toBe('花子');
    expect(await page.getByRole('radio', { name: '女' }).isChecked()).toBe(true);

    await visit('confirm', () => page.getByRole('button', { name: /確認/ }).click());
    expect(await page.locator('main').textContent()).toContain(
      '東京都千代田区霞が関２丁目１番２号',
    );
    await visit('sign-handoff', () =>
      page.getByRole('button', { name: 'マイナンバーカードで署名して申請する' }).click(),
    );
    const signUrl = await scanQr();
    expect(signUrl).not.toBe(readUrl);

    const signed = await signer(signUrl, file, HOLDER.signPassword);
    expect(signed.err).toBe('');
    expect(signed.code).toBe(EXIT_CODE.ok);
    const receipt = /受付番号: (\S+)/.exec(signed.out)?.[1] ?? '';
    expect(receipt).toMatch(/^\d{8}-\d{8}$/);

    await switchesTo('status', /^\/status\//);
    expect(await page.locator('.receipt-number').textContent()).toContain(receipt);

    // A replayed token: the same QR code again is refused by the portal, told to the resident by the app.
    const replay = await signer(signUrl, file, HOLDER.signPassword);
    expect(replay.code).toBe(EXIT_CODE[SignerErrorCode.SessionExpired]);
    expect(replay.err).toContain('QRコードを更新する');

    expect(audit.foreignRequests).toEqual([]);
    expect(audit.blocking()).toEqual([]);

    // The back office pulls it, verifies it again with its own trust store, and shows it as verified.
    const pulled = await backoffice.get(PullWorker).runOnce();
    expect(pulled).toMatchObject({ stored: 1, failed: 0 });
    const review = await reviewInBackoffice(receipt);
    expect(review.indication).toBe('TOTAL-PASSED');
    expect(review.text).toContain('検証成功');
    expect(review.revocationNow).toContain('有効（失効していません）');
    expect(review.checks).toBeGreaterThanOrEqual(10);
    expect(review.failedChecks).toBe(0);
    expect(review.audit.foreignRequests).toEqual([]);
    expect(review.audit.blocking()).toEqual([]);
  });

  it('wrong password twice, then right: the app counts the tries down and the page ends with the receipt', async () => {
    const { file } = await cardFile();
    const url = await openSigning('typo');

    const first = await signer(url, file, 'WRONG1');
    const second = await signer(url, file, 'WRONG2');
    expect(first.code).toBe(EXIT_CODE[SignerErrorCode.WrongPin]);
    expect(first.err).toContain('残り4回');
    expect(second.err).toContain('残り3回');
    const third = await signer(url, file, HOLDER.signPassword);
    expect(third.code).toBe(EXIT_CODE.ok);

    await switchesTo('typo-status', /^\/status\//);
    expect(await page.locator('.receipt-number').textContent()).toMatch(/\d{8}-\d{8}/);
  });

  it('a revoked certificate: the PC page says so and sends the resident to the municipal office', async () => {
    const { file, signSerial } = await cardFile();
    await jlis.revoke(signSerial, 'superseded');
    const url = await openSigning('revoked');

    const sut = await signer(url, file, HOLDER.signPassword);

    expect(sut.code).toBe(EXIT_CODE[SignerErrorCode.SignatureRefused]);
    expect(await statusMessage()).toContain('署名用電子証明書が失効しています');
    await audit.check('revoked-message');
  });

  /** A card issued by a second simulated J-LIS, whose CA the portal does not trust, against a new signing. */
  async function signWithUntrustedCard(name: string) {
    const other = await startJlis(mkdtempSync(join(dir, 'other-jlis-')));
    try {
      const { file } = await cardFile(other.jlis);
      const url = await openSigning(name);
      return await signer(url, file, HOLDER.signPassword);
    } finally {
      await other.close();
    }
  }

  it('a certificate from a CA the portal does not trust is refused, and the PC page says so', async () => {
    const sut = await signWithUntrustedCard('untrusted');

    expect(sut.code).not.toBe(EXIT_CODE.ok);
    expect(await statusMessage()).toMatch(/電子証明書.*確認できませんでした/);
    expect(new URL(page.url()).pathname).not.toMatch(/^\/status\//);
    await audit.check('untrusted-message');
  });

  // NO_CERTIFICATE_CHAIN_FOUND is a refusal (CERTIFICATE_INVALID), not 「しばらくしてから、もう一度」: no retry cures it.
  it('…with the certificate message, not “try again later”', async () => {
    const sut = await signWithUntrustedCard('untrusted-message');

    expect(sut.code).toBe(EXIT_CODE[SignerErrorCode.SignatureRefused]);
    expect(await statusMessage()).toContain('署名用電子証明書を確認できませんでした');
  });

  /**
   * A hostile card app: the reference app's own HTTP client (SignerApiClient, as apps/signer uses it) against the
   * URL in the QR code, but the card does something other than sign what the portal asked. The portal must refuse
   * the assembled CMS (422 SIGNATURE_INVALID), and the PC page must say so without moving on to a receipt.
   */
  async function hostileSigning(
    name: string,
    misbehave: (api: SignerApiClient) => Promise<Buffer>,
  ): Promise<SignerError> {
    const api = new SignerApiClient(toSessionApiUrl(await openSigning(name)));
    const session = await api.getSession();
    expect(session).toMatchObject({ kind: 'sign', status: 'open' });
    const signature = await misbehave(api);
    const refused = await api.postSignature(signature).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(SignerError);
    return refused as SignerError;
  }

  async function expectSignatureRefusedOnPc(name: string, refused: SignerError): Promise<void> {
    expect(refused.code).toBe(SignerErrorCode.SignatureRefused);
    expect(refused.details).toMatchObject({ status: 422, portalError: 'SIGNATURE_INVALID' });
    expect(await statusMessage()).toContain(
      '電子署名を確認できませんでした。もう一度署名してください。',
    );
    expect(new URL(page.url()).pathname).not.toMatch(/^\/status\//);
    await audit.check(name);
    expect(new URL(page.url()).pathname).not.toMatch(/^\/status\//);
  }

  it("a raw signature over another document's DigestInfo: 422 SIGNATURE_INVALID, the PC page says so and shows no receipt", async () => {
    const { jpki } = await issueCard(jlis);
    const another = createHash('sha256').update('{"formId":"another-document"}').digest();

    const refused = await hostileSigning('other-digest', async (api) => {
      await jpki.selectJpkiAp();
      await jpki.verifySignPassword(HOLDER.signPassword);
      const asked = await api.postCertificate(await jpki.readSigningCertificate());
      const forged = sha256DigestInfo(another);
      expect(forged.subarray(0, 19).toString('hex')).toBe('3031300d060960864801650304020105000420');
      expect(forged.equals(asked)).toBe(false);
      return jpki.signWithSigningKey(forged);
    });

    await expectSignatureRefusedOnPc('other-digest-message', refused);
  });

  it('a certificate swapped between the phases (card A presented, card B signs): 422 SIGNATURE_INVALID, no receipt', async () => {
    const presented = await issueCard(jlis);
    const signing = await issueCard(jlis);

    const refused = await hostileSigning('swapped', async (api) => {
      await presented.jpki.selectJpkiAp();
      await presented.jpki.verifySignPassword(HOLDER.signPassword);
      const certificateA = await presented.jpki.readSigningCertificate();
      const digestInfo = await api.postCertificate(certificateA);
      await signing.jpki.selectJpkiAp();
      await signing.jpki.verifySignPassword(HOLDER.signPassword);
      // Card B's certificate is itself valid and trusted: only the pairing is wrong.
      expect((await signing.jpki.readSigningCertificate()).equals(certificateA)).toBe(false);
      return signing.jpki.signWithSigningKey(digestInfo);
    });

    await expectSignatureRefusedOnPc('swapped-message', refused);
  });

  it('an expired QR code: after 「QRコードを更新する」 the old one is refused and the new one works', async () => {
    const { file } = await cardFile();
    const oldUrl = await openSigning('expired');
    await visit('expired-refreshed', () =>
      page.getByRole('button', { name: 'QRコードを更新する' }).click(),
    );
    const newUrl = await scanQr();
    expect(newUrl).not.toBe(oldUrl);

    const stale = await signer(oldUrl, file, HOLDER.signPassword);
    expect(stale.code).not.toBe(EXIT_CODE.ok);
    // The old token no longer exists (refreshing replaces it): the app says so and points to the new QR code.
    expect(stale.code).toBe(EXIT_CODE[SignerErrorCode.SessionNotFound]);
    expect(stale.err).toContain('新しいQRコードで操作してください');

    const fresh = await signer(newUrl, file, HOLDER.signPassword);
    expect(fresh.code).toBe(EXIT_CODE.ok);
    await switchesTo('expired-status', /^\/status\//);
    expect(audit.blocking()).toEqual([]);
  });
  it('a session past its 10 minutes: the app says it expired and how to go on; the PC page offers a new QR code', async () => {
    const { file } = await cardFile();
    const url = await openSigning('timeout');
    // Wait-free: the session's expiry moved into the past in the portal's own database.
    const token = new URL(url).pathname.split('/').pop() ?? '';
    const moved = await app
      .get(DataSource)
      .getRepository(CardSessionEntity)
      .update({ tokenHash: hashToken(token) }, { expiresAt: new Date(Date.now() - 1000) });
    expect(moved.affected).toBe(1);

    const sut = await signer(url, file, HOLDER.signPassword);

    expect(sut.code).toBe(EXIT_CODE[SignerErrorCode.SessionExpired]);
    expect(sut.err).toContain('QRコードを更新する');
    expect(await statusMessage()).toContain('有効期限');
    expect(await page.getByRole('button', { name: 'QRコードを更新する' }).isVisible()).toBe(true);
    await audit.check('timeout-message');
    expect(audit.blocking()).toEqual([]);
  });
});

describe('転出届 (the real demo form) from a PC: the card fills the notifier, the resident the rest', () => {
  let app: NestFastifyApplication;
  let base: string;
  let dir: string;
  let closeJlis: () => Promise<void>;
  let jlis: SimulatedJlis;
  let context: BrowserContext;
  let page: Page;
  let audit: PageAudit;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tenshutsu-browser-'));
    const started = await startJlis(dir);
    jlis = started.jlis;
    closeJlis = started.close;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await createPortalApp(
      loadConfig(PortalConfig, {
        NODE_ENV: 'test',
        PORTAL_PUBLIC_URL: base,
        PORTAL_DATABASE_URL: await testDatabaseUrl('tenshutsu_browser', dir),
        PORTAL_DATA_DIR: dir,
        FORMS_DIR: join(ROOT, 'forms'),
        TRANSFER_KEY: 'browser-test-transfer-key-0123456789abcdef',
        JPKI_TRUST_ANCHORS: started.rootFile,
        JPKI_INTERMEDIATES: started.signCaFile,
        JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
      }),
    );
    await app.listen(port, '127.0.0.1');
    ({ context, page } = await openChromium(dir));
    audit = new PageAudit(page, new URL(base).origin, join(SCREENSHOTS, 'tenshutsu'));
  });

  afterAll(async () => {
    if (audit) {
      console.log(audit.report());
    }
    await context?.close();
    await app?.close();
    await closeJlis?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const visit = (name: string, go: () => Promise<unknown>) => audit.visit(name, go);

  it('reads the card, takes the rest from the resident, signs, and shows the receipt', async () => {
    const { card } = await issueCard(jlis);
    const file = join(dir, 'card.json');
    card.saveTo(file);
    const today = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);

    await visit('start', () => page.goto(`${base}/m/990019/forms/tenshutsu`));
    await visit('step1', () => page.getByRole('button', { name: '申請をはじめる' }).click());
    await visit('cardface-handoff', () =>
      page.getByRole('button', { name: 'マイナンバーカードで入力' }).click(),
    );
    const read = await signer(
      await readQrCode(page.locator('figure.qr svg')),
      file,
      HOLDER.textPin,
    );
    expect(read.code).toBe(EXIT_CODE.ok);
    audit.beginPage();
    await page.waitForURL((u) => u.pathname.endsWith('/steps/1'), { timeout: 15_000 });
    await audit.check('step1-filled');
    expect(await page.getByLabel('姓', { exact: true }).inputValue()).toBe('窓口');
    expect(await page.getByLabel('名', { exact: true }).inputValue()).toBe('花子');

    await page.getByLabel('セイ（カタカナ）').pressSequentially('マドグチ');
    await page.getByLabel('メイ（カタカナ）').pressSequentially('ハナコ');
    await page.getByLabel('日中の電話番号').pressSequentially('03-1234-5678');
    await visit('step2', () => page.getByRole('button', { name: '次へ進む' }).click());
    await page.getByLabel('転出予定日（引っ越した日）').fill(today);
    await page.locator('[id="newAddress.postalCode"]').pressSequentially('5300005');
    await page
      .locator('[id="newAddress.text"]')
      .fill('大阪府大阪市北区中之島1-3-20 なかのしまハイツ202');
    await page.getByLabel('転出先の世帯主の氏名').fill('窓口 花子');
    await visit('step3', () => page.getByRole('button', { name: '次へ進む' }).click());
    await page.getByRole('radio', { name: '届出人のみ' }).check();
    await page.getByRole('checkbox', { name: '国民健康保険' }).check();
    await visit('confirm', () => page.getByRole('button', { name: '入力内容を確認する' }).click());
    const summary = (await page.locator('main').textContent()) ?? '';
    for (const shown of ['窓口', 'マドグチ', '東京都千代田区霞が関２丁目１番２号', '中之島']) {
      expect(summary).toContain(shown);
    }

    await visit('sign-handoff', () =>
      page.getByRole('button', { name: 'マイナンバーカードで署名して申請する' }).click(),
    );
    const signed = await signer(
      await readQrCode(page.locator('figure.qr svg')),
      file,
      HOLDER.signPassword,
    );
    expect(signed.err).toBe('');
    expect(signed.out).toContain('転出届');
    const receipt = /受付番号: (\S+)/.exec(signed.out)?.[1] ?? '';
    audit.beginPage();
    await page.waitForURL((u) => u.pathname.startsWith('/status/'), { timeout: 15_000 });
    await audit.check('status');
    expect(await page.locator('.receipt-number').textContent()).toContain(receipt);
    expect(audit.foreignRequests).toEqual([]);
    expect(audit.blocking()).toEqual([]);
  });
});
