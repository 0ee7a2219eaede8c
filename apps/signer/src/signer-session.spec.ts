import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CardError, CardErrorCode, CardTransport, JpkiCard } from '@madoguchi/jpki';
import { InProcessTransport, VirtualMyNumberCard } from '@madoguchi/virtual-card';
import {
  createIssuedTestCard,
  TEST_BASIC_FOUR,
  TEST_MY_NUMBER,
  TEST_SECRETS,
  temporaryDir,
} from '../../../libs/virtual-card/src/testing/virtual-card.factory';
import { CardSource } from './card-connection';
import { errorText } from './signer-messages';
import { LAST_TRY_WARNING, runSignerSession, SignerSessionOptions } from './signer-session';
import { SignerError, SignerErrorCode } from './signer.error';
import {
  CONTRACT_RECEIPT_NUMBER,
  SignerContractServer,
  SignerContractServerOptions,
} from './testing/signer-contract.server';

jest.setTimeout(30_000);

/** Passes APDUs through and keeps them, so a test can count VERIFYs; optionally pulls the card mid-command. */
class CountingTransport implements CardTransport {
  readonly commands: Buffer[] = [];
  removeOn: ((apdu: Buffer) => boolean) | undefined;

  constructor(private readonly inner: CardTransport) {}

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const command = Buffer.from(apdu);
    this.commands.push(command);
    if (this.removeOn?.(command)) {
      return Promise.reject(new CardError(CardErrorCode.Transport, 'card removed'));
    }
    return this.inner.transmit(apdu);
  }

  /** VERIFY with data: each one can spend a try. The empty VERIFY (tries query, case 1) spends none. */
  get verifyAttempts(): number {
    return this.commands.filter((c) => c[1] === 0x20 && c.length > 4).length;
  }

  get signCommands(): number {
    return this.commands.filter((c) => c[0] === 0x80 && c[1] === 0x2a).length;
  }

  hasCommand(hex: string): boolean {
    return this.commands.some((c) => c.toString('hex').toUpperCase() === hex);
  }
}

const servers: SignerContractServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function contractServer(options: SignerContractServerOptions): Promise<SignerContractServer> {
  const server = await new SignerContractServer(options).start();
  servers.push(server);
  return server;
}

async function issuedCard(): Promise<{ card: VirtualMyNumberCard; transport: CountingTransport }> {
  const { card } = await createIssuedTestCard();
  return { card, transport: new CountingTransport(new InProcessTransport(card)) };
}

async function spendTries(card: VirtualMyNumberCard, which: 'sign' | 'text', n: number) {
  const jpki = new JpkiCard(new InProcessTransport(card));
  for (let i = 0; i < n; i++) {
    const attempt =
      which === 'sign' ? jpki.verifySignPassword('WRONG99') : jpki.verifyTextPin('0000');
    await expect(attempt).rejects.toBeInstanceOf(CardError);
  }
}

interface Run {
  lines: string[];
  questions: string[];
  result: Promise<unknown>;
}

function run(
  server: SignerContractServer,
  card: CardSource | CardTransport,
  secret: string,
  overrides: Partial<SignerSessionOptions> = {},
): Run {
  const lines: string[] = [];
  const questions: string[] = [];
  const result = runSignerSession({
    url: server.pageUrl,
    card: 'transmit' in card ? { kind: 'transport', transport: card } : card,
    askSecret: (question) => {
      questions.push(question);
      return Promise.resolve(secret);
    },
    out: (line) => lines.push(line),
    ...overrides,
  });
  return { lines, questions, result };
}

/** No request body carries a 12-digit run (the individual number) or the secret typed in. */
function expectNoSecretsSent(server: SignerContractServer, secret: string) {
  expect(server.requests.length).toBeGreaterThan(0);
  for (const request of server.requests) {
    expect(request.body).not.toMatch(/\d{12}/);
    expect(request.body).not.toContain(TEST_MY_NUMBER);
    expect(request.body).not.toContain(secret);
    expect(request.body.toUpperCase()).not.toContain(secret.toUpperCase());
  }
}

describe('runSignerSession: signing', () => {
  it('shows the summary and tries, signs, posts certificate and raw signature, and returns the receipt', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { transport } = await issuedCard();

    const sut = run(server, transport, TEST_SECRETS.signPassword.toLowerCase());

    await expect(sut.result).resolves.toEqual({
      kind: 'sign',
      receiptNumber: CONTRACT_RECEIPT_NUMBER,
    });
    const text = sut.lines.join('\n');
    expect(text).toContain('住民票の写しの交付申請');
    expect(text).toContain('申請者: 窓口　花子');
    expect(text).toContain(server.documentSha256);
    expect(text).toContain('署名用パスワードの残り回数: 5回');
    expect(text).toContain(CONTRACT_RECEIPT_NUMBER);
    expect(text).not.toContain(LAST_TRY_WARNING.ja);
    expect(sut.questions).toHaveLength(1);
    expect(transport.verifyAttempts).toBe(1);
    expect(transport.signCommands).toBe(1);
    expect(server.requests.map((r) => `${r.method} ${r.path.split('/').pop()}`)).toEqual([
      `GET ${server.token}`,
      'POST certificate',
      'POST signature',
    ]);
    expect(server.failures).toEqual([]);
    expectNoSecretsSent(server, TEST_SECRETS.signPassword);
  });

  it('works with a virtual card state file, the deep link and English', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { card } = await createIssuedTestCard();
    const file = join(temporaryDir('signer-'), 'card.json');
    card.saveTo(file);

    const sut = run(server, { kind: 'virtual', file }, TEST_SECRETS.signPassword, {
      url: server.deepLink,
      lang: 'en',
    });

    await expect(sut.result).resolves.toEqual({
      kind: 'sign',
      receiptNumber: CONTRACT_RECEIPT_NUMBER,
    });
    expect(sut.lines.join('\n')).toContain('signing password: 5 of 5 tries left');
    expect(sut.questions[0]).toMatch(/^Signing password/);
    expect(readFileSync(file, 'utf8')).not.toContain(TEST_SECRETS.signPassword.toLowerCase());
  });

  it('a wrong password spends exactly one try, is not retried and posts nothing', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { card, transport } = await issuedCard();

    const sut = run(server, transport, 'WRONG12');

    const error = await sut.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignerError);
    expect(error).toMatchObject({ code: SignerErrorCode.WrongPin, details: { triesLeft: 4 } });
    expect(errorText(error as SignerError).ja).toContain('残り4回');
    expect(transport.verifyAttempts).toBe(1);
    expect(transport.signCommands).toBe(0);
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
    await expect(new JpkiCard(new InProcessTransport(card)).signPasswordTriesLeft()).resolves.toBe(
      4,
    );
  });

  it('the tries shown decrease from run to run and the virtual card file keeps the count', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { card } = await createIssuedTestCard();
    const file = join(temporaryDir('signer-'), 'card.json');
    card.saveTo(file);

    const first = run(server, { kind: 'virtual', file }, 'WRONG12');
    await expect(first.result).rejects.toMatchObject({ code: SignerErrorCode.WrongPin });
    const second = run(server, { kind: 'virtual', file }, TEST_SECRETS.signPassword);

    await expect(second.result).resolves.toMatchObject({ kind: 'sign' });
    expect(first.lines.join('\n')).toContain('残り回数: 5回');
    expect(second.lines.join('\n')).toContain('残り回数: 4回');
  });

  it('warns before the last try and signs when it is right', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { card, transport } = await issuedCard();
    await spendTries(card, 'sign', 4);

    const sut = run(server, transport, TEST_SECRETS.signPassword);

    await expect(sut.result).resolves.toMatchObject({ receiptNumber: CONTRACT_RECEIPT_NUMBER });
    const text = sut.lines.join('\n');
    expect(text).toContain('残り回数: 1回');
    expect(text).toContain('残り1回です。間違えるとロックされます');
    expect(text.indexOf('残り1回です')).toBeLessThan(text.indexOf('署名しています'));
  });

  it('a wrong last try blocks the card: PIN_BLOCKED is posted and the office is named', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { card, transport } = await issuedCard();
    await spendTries(card, 'sign', 4);

    const sut = run(server, transport, 'WRONG12');

    const error = (await sut.result.catch((e: unknown) => e)) as SignerError;
    expect(error.code).toBe(SignerErrorCode.PinBlocked);
    expect(errorText(error).ja).toContain('市区町村の窓口');
    expect(transport.verifyAttempts).toBe(1);
    expect(server.failures).toEqual(['PIN_BLOCKED']);
  });

  it('a blocked card: stops before any VERIFY, posts PIN_BLOCKED and never asks the password', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { card, transport } = await issuedCard();
    await spendTries(card, 'sign', 5);

    const sut = run(server, transport, TEST_SECRETS.signPassword);

    await expect(sut.result).rejects.toMatchObject({ code: SignerErrorCode.PinBlocked });
    expect(sut.questions).toEqual([]);
    expect(transport.verifyAttempts).toBe(0);
    expect(server.failures).toEqual(['PIN_BLOCKED']);
  });

  it('a password in the wrong format is refused before the card sees it', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { transport } = await issuedCard();

    const sut = run(server, transport, 'short');

    await expect(sut.result).rejects.toMatchObject({
      code: SignerErrorCode.InvalidPinFormat,
      details: { pin: 'sign' },
    });
    expect(transport.verifyAttempts).toBe(0);
    expect(server.failures).toEqual([]);
  });

  it('an expired or used session (410) stops before the card is touched', async () => {
    const server = await contractServer({ kind: 'sign', getStatus: 410 });
    const { transport } = await issuedCard();

    const sut = run(server, transport, TEST_SECRETS.signPassword);

    const error = (await sut.result.catch((e: unknown) => e)) as SignerError;
    expect(error.code).toBe(SignerErrorCode.SessionExpired);
    expect(errorText(error).ja).toContain('QRコードを更新する');
    expect(transport.commands).toEqual([]);
  });

  it('a completed session is reported as closed', async () => {
    const server = await contractServer({ kind: 'sign', status: 'completed' });
    const { transport } = await issuedCard();

    const sut = run(server, transport, TEST_SECRETS.signPassword);

    await expect(sut.result).rejects.toMatchObject({ code: SignerErrorCode.SessionClosed });
    expect(transport.commands).toEqual([]);
  });

  it('an unknown session (404) is SESSION_NOT_FOUND', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { transport } = await issuedCard();

    const sut = run(server, transport, TEST_SECRETS.signPassword, {
      url: `${server.origin}/s/${'A'.repeat(22)}`,
    });

    await expect(sut.result).rejects.toMatchObject({ code: SignerErrorCode.SessionNotFound });
  });

  it('an unreachable portal is a network error', async () => {
    const server = await contractServer({ kind: 'sign' });
    const url = server.pageUrl;
    await server.close();
    const { transport } = await issuedCard();

    const sut = run(server, transport, TEST_SECRETS.signPassword, { url });

    await expect(sut.result).rejects.toMatchObject({ code: SignerErrorCode.Network });
  });

  it.each([
    ['too short', Buffer.alloc(32, 1)],
    [
      '51 bytes with another prefix (SHA-1 style)',
      Buffer.concat([Buffer.alloc(19), Buffer.alloc(32, 7)]),
    ],
    ['too long', Buffer.alloc(245, 0x30)],
  ])('refuses to sign a DigestInfo that is %s', async (_label, digestInfo) => {
    const server = await contractServer({ kind: 'sign', digestInfo });
    const { transport } = await issuedCard();

    const sut = run(server, transport, TEST_SECRETS.signPassword);

    await expect(sut.result).rejects.toMatchObject({ code: SignerErrorCode.BadDigestInfo });
    expect(transport.signCommands).toBe(0);
  });

  it('a signature the portal refuses (422) carries the portal message', async () => {
    // A DigestInfo over other bytes than the server keeps: the card signs, the server's check fails.
    const other = Buffer.concat([
      Buffer.from('3031300d060960864801650304020105000420', 'hex'),
      Buffer.alloc(32, 9),
    ]);
    const server = await contractServer({ kind: 'sign', digestInfo: other });
    const { transport } = await issuedCard();

    const sut = run(server, transport, TEST_SECRETS.signPassword);

    const error = (await sut.result.catch((e: unknown) => e)) as SignerError;
    expect(error.code).toBe(SignerErrorCode.SignatureRefused);
    expect(error.details?.portalError).toBe('SIGNATURE_INVALID');
    expect(errorText(error).ja).toContain('署名を検証できませんでした');
    expect(transport.signCommands).toBe(1);
  });

  it('a certificate refused as revoked (422) is shown with the portal message', async () => {
    const server = await contractServer({ kind: 'sign', refuseCertificate: 'CERTIFICATE_REVOKED' });
    const { transport } = await issuedCard();

    const sut = run(server, transport, TEST_SECRETS.signPassword);

    const error = (await sut.result.catch((e: unknown) => e)) as SignerError;
    expect(error.code).toBe(SignerErrorCode.SignatureRefused);
    expect(errorText(error).ja).toContain('失効');
    expect(transport.signCommands).toBe(0);
  });

  it('a card removed during signing posts CARD_REMOVED', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { transport } = await issuedCard();
    transport.removeOn = (apdu) => apdu[0] === 0x80 && apdu[1] === 0x2a;

    const sut = run(server, transport, TEST_SECRETS.signPassword);

    await expect(sut.result).rejects.toMatchObject({ code: SignerErrorCode.CardRemoved });
    expect(server.failures).toEqual(['CARD_REMOVED']);
  });

  it('a cancelled prompt posts CANCELLED and sends nothing to the card', async () => {
    const server = await contractServer({ kind: 'sign' });
    const { transport } = await issuedCard();

    const sut = runSignerSession({
      url: server.sessionUrl,
      card: { kind: 'transport', transport },
      askSecret: () => Promise.reject(new SignerError(SignerErrorCode.Cancelled, 'Ctrl-C')),
      out: () => undefined,
    });

    await expect(sut).rejects.toMatchObject({ code: SignerErrorCode.Cancelled });
    expect(transport.verifyAttempts).toBe(0);
    expect(server.failures).toEqual(['CANCELLED']);
  });

  it('a PC/SC reader that is not there is READER_NOT_FOUND, and nothing is posted', async () => {
    const server = await contractServer({ kind: 'sign' });

    const sut = run(
      server,
      { kind: 'pcsc', reader: 'no such reader 0000', cardTimeoutMs: 500 },
      TEST_SECRETS.signPassword,
    );

    await expect(sut.result).rejects.toMatchObject({ code: SignerErrorCode.ReaderNotFound });
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('a missing virtual card file is its own error', async () => {
    const server = await contractServer({ kind: 'sign' });

    const sut = run(server, { kind: 'virtual', file: '/nonexistent/card.json' }, 'X');

    await expect(sut.result).rejects.toMatchObject({ code: SignerErrorCode.VirtualCardFile });
  });
});

describe('runSignerSession: card-face reading', () => {
  it('reads and posts exactly the basic four, never reads EF 0001 and never sends the number or PIN', async () => {
    const server = await contractServer({ kind: 'cardface' });
    const { transport } = await issuedCard();

    const sut = run(server, transport, TEST_SECRETS.textPin);

    await expect(sut.result).resolves.toEqual({
      kind: 'cardface',
      items: ['name', 'address', 'birthdate', 'sex'],
    });
    expect(server.cardface).toEqual({ ...TEST_BASIC_FOUR });
    const text = sut.lines.join('\n');
    expect(text).toContain('氏名、住所、生年月日、性別');
    expect(text).toContain('個人番号（マイナンバー）は読み取りません');
    expect(text).toContain('券面事項入力補助用暗証番号の残り回数: 3回');
    expect(transport.verifyAttempts).toBe(1);
    // JPKI.md §3.1: EF 0001 of the text AP holds the individual number; the JPKI AP is not selected here either.
    expect(transport.hasCommand('00A4020C020001')).toBe(false);
    expectNoSecretsSent(server, TEST_SECRETS.textPin);
  });

  it('a wrong PIN shows the tries left and posts nothing', async () => {
    const server = await contractServer({ kind: 'cardface' });
    const { transport } = await issuedCard();

    const sut = run(server, transport, '0000');

    await expect(sut.result).rejects.toMatchObject({
      code: SignerErrorCode.WrongPin,
      details: { triesLeft: 2 },
    });
    expect(transport.verifyAttempts).toBe(1);
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('warns before the last try', async () => {
    const server = await contractServer({ kind: 'cardface' });
    const { card, transport } = await issuedCard();
    await spendTries(card, 'text', 2);

    const sut = run(server, transport, TEST_SECRETS.textPin);

    await expect(sut.result).resolves.toMatchObject({ kind: 'cardface' });
    expect(sut.lines).toContain(LAST_TRY_WARNING.ja);
  });

  it('a blocked PIN posts PIN_BLOCKED without a VERIFY', async () => {
    const server = await contractServer({ kind: 'cardface' });
    const { card, transport } = await issuedCard();
    await spendTries(card, 'text', 3);

    const sut = run(server, transport, TEST_SECRETS.textPin);

    await expect(sut.result).rejects.toMatchObject({ code: SignerErrorCode.PinBlocked });
    expect(transport.verifyAttempts).toBe(0);
    expect(server.failures).toEqual(['PIN_BLOCKED']);
  });

  it('a PIN that is not 4 digits never reaches the card', async () => {
    const server = await contractServer({ kind: 'cardface' });
    const { transport } = await issuedCard();

    const sut = run(server, transport, '12345');

    await expect(sut.result).rejects.toMatchObject({
      code: SignerErrorCode.InvalidPinFormat,
      details: { pin: 'text' },
    });
    expect(transport.verifyAttempts).toBe(0);
  });
});
