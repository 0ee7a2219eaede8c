import {
  BasicFour,
  CardError,
  CardErrorCode,
  JpkiCard,
  normaliseSignPassword,
  PIN_MAX_TRIES,
  SHA256_DIGEST_INFO_PREFIX,
  validateFourDigitPin,
} from '@madoguchi/jpki';
import { CardSource, openCardTransport } from './card-connection';
import type { SecretPrompt } from './secret-prompt';
import { toSessionApiUrl } from './session-url';
import { CardfaceItem, FailureReason, SignerApiClient, SignerSession } from './signer-api.client';
import { Lang } from './signer-messages';
import { SignerError, SignerErrorCode } from './signer.error';

export interface SignerSessionOptions {
  /** What the QR code or deep link carries (see toSessionApiUrl). */
  url: string;
  card: CardSource;
  /** Asks once for the PIN or password; called at most once per run. */
  askSecret: SecretPrompt;
  lang?: Lang;
  /** Where the resident-facing lines go (default: stdout). */
  out?: (line: string) => void;
  fetch?: typeof fetch;
  isInsecureHttpAllowed?: boolean;
}

export type SignerOutcome =
  { kind: 'sign'; receiptNumber: string } | { kind: 'cardface'; items: CardfaceItem[] };

/** SHA-256 DigestInfo is 19 bytes of prefix and 32 of hash (JPKI.md §1.2). */
export const DIGEST_INFO_LENGTH = 51;

export const LAST_TRY_WARNING = {
  ja: '残り1回です。間違えるとロックされます。',
  en: 'This is your last try. A wrong entry will block it.',
} as const;

const ITEM_LABELS: Record<CardfaceItem, { ja: string; en: string }> = {
  name: { ja: '氏名', en: 'name' },
  address: { ja: '住所', en: 'address' },
  birthdate: { ja: '生年月日', en: 'date of birth' },
  sex: { ja: '性別', en: 'sex' },
};

/**
 * One run of the reference card app (issue 4 §5, ARCHITECTURE.md flows 1 and 2): fetch the session, show what will
 * happen, show the tries left, ask the secret once, do the card read or the signature, post the result.
 * Never retries a VERIFY. Throws SignerError; the caller maps it to a message and exit code (signer-messages.ts).
 */
export async function runSignerSession(options: SignerSessionOptions): Promise<SignerOutcome> {
  const lang = options.lang ?? 'ja';
  const say = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const t = (text: { ja: string; en: string }) => text[lang];
  const api = new SignerApiClient(
    toSessionApiUrl(options.url, { isInsecureHttpAllowed: options.isInsecureHttpAllowed }),
    { fetch: options.fetch },
  );
  const session = await api.getSession();
  if (session.status === 'expired') {
    throw new SignerError(SignerErrorCode.SessionExpired, 'session status expired');
  }
  if (session.status !== 'open') {
    throw new SignerError(SignerErrorCode.SessionClosed, `session status ${session.status}`);
  }
  describeSession(session, lang, say);

  if (options.card.kind === 'pcsc') {
    say(
      t({
        ja: 'マイナンバーカードをカードリーダーに置いてください。',
        en: 'Place your My Number Card on the card reader.',
      }),
    );
  }
  const card = new JpkiCard(await openCardTransport(options.card));
  try {
    const flow = { card, api, session, lang, say, t, askSecret: options.askSecret };
    return session.kind === 'sign' ? await signFlow(flow) : await cardfaceFlow(flow);
  } catch (error) {
    const signerError = toSignerError(error);
    const reason = failureReasonOf(signerError);
    if (reason) {
      // Best effort: the PC page learns what to tell the resident; our own message is shown either way.
      await api.postFailure(reason).catch(() => undefined);
    }
    throw signerError;
  } finally {
    await card.close().catch(() => undefined);
  }
}

interface Flow {
  card: JpkiCard;
  api: SignerApiClient;
  session: SignerSession;
  lang: Lang;
  say: (line: string) => void;
  t: (text: { ja: string; en: string }) => string;
  askSecret: SecretPrompt;
}

async function signFlow(f: Flow): Promise<SignerOutcome> {
  await f.card.selectJpkiAp();
  const tries = await f.card.signPasswordTriesLeft();
  showTries(f, tries, PIN_MAX_TRIES.sign, { ja: '署名用パスワード', en: 'signing password' });
  const password = normaliseSignPassword(
    await f.askSecret(
      f.t({
        ja: '署名用パスワード（英大文字・数字6〜16文字）を入力してください: ',
        en: 'Signing password (6-16 letters A-Z and digits): ',
      }),
    ),
  );
  await f.card.verifySignPassword(password);
  f.say(
    f.t({ ja: 'パスワードを確認しました。署名しています…', en: 'Password accepted. Signing…' }),
  );
  const certificate = await f.card.readSigningCertificate();
  const digestInfo = await f.api.postCertificate(certificate);
  checkDigestInfo(digestInfo);
  const signature = await f.card.signWithSigningKey(digestInfo);
  const receipt = await f.api.postSignature(signature);
  f.say(
    f.t({
      ja: `電子署名が完了しました。受付番号: ${receipt.receiptNumber}`,
      en: `Signed. Receipt number: ${receipt.receiptNumber}`,
    }),
  );
  f.say(
    f.t({
      ja: 'パソコンの画面が自動的に切り替わります。',
      en: 'The page on the PC will switch over by itself.',
    }),
  );
  return { kind: 'sign', receiptNumber: receipt.receiptNumber };
}

async function cardfaceFlow(f: Flow): Promise<SignerOutcome> {
  await f.card.selectTextAp();
  const tries = await f.card.textPinTriesLeft();
  showTries(f, tries, PIN_MAX_TRIES.text, {
    ja: '券面事項入力補助用暗証番号',
    en: 'card-input-helper PIN',
  });
  const pin = validateFourDigitPin(
    await f.askSecret(
      f.t({
        ja: '券面事項入力補助用の暗証番号（数字4桁）を入力してください: ',
        en: 'Card-input-helper PIN (4 digits): ',
      }),
    ),
    'text',
  );
  await f.card.verifyTextPin(pin);
  // The only read of the text AP: EF 0002 (basic four). EF 0001 (the individual number) is never read.
  const basicFour: BasicFour = await f.card.readBasicFour();
  await f.api.postCardface({
    name: basicFour.name,
    address: basicFour.address,
    birthdate: basicFour.birthdate,
    sex: basicFour.sex,
  });
  f.say(
    f.t({
      ja: '読み取った情報を送信しました。パソコンの画面が自動的に切り替わります。',
      en: 'The details were sent. The page on the PC will switch over by itself.',
    }),
  );
  return { kind: 'cardface', items: f.session.requested ?? [] };
}

function showTries(f: Flow, tries: number, max: number, what: { ja: string; en: string }): void {
  if (tries === 0) {
    throw new CardError(CardErrorCode.PinBlocked, 'tries left: 0', { triesLeft: 0 });
  }
  f.say(
    f.t({
      ja: `${what.ja}の残り回数: ${tries}回（最大${max}回）`,
      en: `${what.en}: ${tries} of ${max} tries left`,
    }),
  );
  if (tries === 1) {
    f.say(f.t(LAST_TRY_WARNING));
  }
}

/** JPKI.md §1.2: the card signs exactly what it is sent, so only a DigestInfo(SHA-256) goes to it. */
export function checkDigestInfo(digestInfo: Uint8Array): void {
  const prefix = SHA256_DIGEST_INFO_PREFIX;
  if (
    digestInfo.length !== DIGEST_INFO_LENGTH ||
    !Buffer.from(digestInfo.subarray(0, prefix.length)).equals(Buffer.from(prefix))
  ) {
    throw new SignerError(
      SignerErrorCode.BadDigestInfo,
      `expected ${DIGEST_INFO_LENGTH} bytes of DigestInfo(SHA-256), got ${digestInfo.length} bytes`,
    );
  }
}

function describeSession(session: SignerSession, lang: Lang, say: (line: string) => void): void {
  const t = (text: { ja: string; en: string }) => text[lang];
  const expires = formatTime(session.expiresAt);
  if (session.kind === 'sign') {
    say(t({ ja: '【電子署名】', en: '[Digital signature]' }) + ` ${t(session.municipality.name)}`);
    say(t({ ja: '手続き: ', en: 'Form: ' }) + t(session.form.title));
    say(t({ ja: '署名する内容:', en: 'You are about to sign:' }));
    for (const row of session.summary ?? []) {
      say(`  ${t(row.label)}: ${row.value}`);
    }
    const doc = session.document;
    if (doc) {
      say(
        t({
          ja: `署名する文書のSHA-256: ${doc.sha256}（${doc.size}バイト）`,
          en: `SHA-256 of the document to sign: ${doc.sha256} (${doc.size} bytes)`,
        }),
      );
    }
  } else {
    const items = (session.requested ?? []).map((item) => t(ITEM_LABELS[item]));
    say(
      t({ ja: '【券面事項の読み取り】', en: '[Card-face reading]' }) +
        ` ${t(session.municipality.name)}`,
    );
    say(t({ ja: '手続き: ', en: 'Form: ' }) + t(session.form.title));
    say(
      t({
        ja: `マイナンバーカードから次の情報を読み取って送信します: ${items.join('、')}`,
        en: `These details will be read from the My Number Card and sent: ${items.join(', ')}`,
      }),
    );
    say(
      t({
        ja: '個人番号（マイナンバー）は読み取りません。',
        en: 'The individual number (My Number) is not read.',
      }),
    );
  }
  if (expires) {
    say(t({ ja: `有効期限: ${expires}`, en: `Valid until: ${expires}` }));
  }
}

function formatTime(iso: string): string | undefined {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return undefined;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Card errors become the resident's outcome; a try that used up the counter is reported as blocked. */
export function toSignerError(error: unknown): SignerError {
  if (error instanceof SignerError) {
    return error;
  }
  if (!(error instanceof CardError)) {
    throw error;
  }
  switch (error.code) {
    case CardErrorCode.WrongPin:
      return (error.triesLeft ?? 0) === 0
        ? new SignerError(SignerErrorCode.PinBlocked, error.message, { triesLeft: 0 }, error)
        : new SignerError(
            SignerErrorCode.WrongPin,
            error.message,
            { triesLeft: error.triesLeft },
            error,
          );
    case CardErrorCode.PinBlocked:
      return new SignerError(SignerErrorCode.PinBlocked, error.message, { triesLeft: 0 }, error);
    case CardErrorCode.InvalidPinFormat:
      return new SignerError(
        SignerErrorCode.InvalidPinFormat,
        error.message,
        { pin: error.details?.pin === 'text' ? 'text' : 'sign' },
        error,
      );
    case CardErrorCode.Transport:
      return new SignerError(SignerErrorCode.CardRemoved, error.message, undefined, error);
    case CardErrorCode.InvalidArgument:
    case CardErrorCode.SecurityStatusNotSatisfied:
    case CardErrorCode.FileNotFound:
    case CardErrorCode.WrongLength:
    case CardErrorCode.WrongData:
    case CardErrorCode.WrongP1P2:
    case CardErrorCode.InsNotSupported:
    case CardErrorCode.ClaNotSupported:
    case CardErrorCode.ConditionsNotSatisfied:
    case CardErrorCode.NoEfSelected:
    case CardErrorCode.EndOfFile:
    case CardErrorCode.MalformedApdu:
    case CardErrorCode.MalformedData:
    case CardErrorCode.UnexpectedStatus:
      return new SignerError(SignerErrorCode.CardUnreadable, error.message, undefined, error);
  }
}

/**
 * What the PC page is told. A wrong PIN with tries left is deliberately not a session failure: the session stays
 * open and the resident runs the app again with the same QR code (issue 4 §9: "wrong password twice then right").
 * A bad PIN format spent nothing and is not reported either.
 */
export function failureReasonOf(error: SignerError): FailureReason | undefined {
  switch (error.code) {
    case SignerErrorCode.PinBlocked:
      return 'PIN_BLOCKED';
    case SignerErrorCode.CardRemoved:
      return 'CARD_REMOVED';
    case SignerErrorCode.CardUnreadable:
      return 'CARD_UNREADABLE';
    case SignerErrorCode.Cancelled:
      return 'CANCELLED';
    case SignerErrorCode.WrongPin:
    case SignerErrorCode.InvalidPinFormat:
    case SignerErrorCode.Usage:
    case SignerErrorCode.InvalidUrl:
    case SignerErrorCode.SessionNotFound:
    case SignerErrorCode.SessionExpired:
    case SignerErrorCode.SessionClosed:
    case SignerErrorCode.Network:
    case SignerErrorCode.PortalProtocol:
    case SignerErrorCode.BadDigestInfo:
    case SignerErrorCode.SignatureRefused:
    case SignerErrorCode.ReaderNotFound:
    case SignerErrorCode.VirtualCardFile:
    case SignerErrorCode.NoTerminal:
      return undefined;
  }
}
