import { SignerError, SignerErrorCode } from './signer.error';

export type SessionKind = 'cardface' | 'sign';
export type SessionStatus = 'open' | 'completed' | 'failed' | 'expired';
export type CardfaceItem = 'name' | 'address' | 'birthdate' | 'sex';
export type FailureReason =
  'PIN_BLOCKED' | 'WRONG_PIN' | 'CARD_REMOVED' | 'CARD_UNREADABLE' | 'CANCELLED';

export interface LocalisedText {
  ja: string;
  en: string;
}

/** GET {session} (issue 4 §4, signer API contract). */
export interface SignerSession {
  kind: SessionKind;
  status: SessionStatus;
  expiresAt: string;
  municipality: { code: string; name: LocalisedText };
  form: { id: string; title: LocalisedText };
  requested?: CardfaceItem[];
  summary?: { label: LocalisedText; value: string }[];
  document?: { sha256: string; size: number };
}

/** Exactly the four keys of the contract: the individual number has no field here by design. */
export interface CardfacePayload {
  name: string;
  address: string;
  birthdate: string;
  sex: string;
}

export interface SignatureReceipt {
  status: 'completed';
  receiptNumber: string;
}

export interface SignerApiClientOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ ja, en }`; a text with Japanese only (form definitions may omit English) shows Japanese in both. */
function toText(value: unknown): LocalisedText | undefined {
  if (typeof value === 'string') {
    return { ja: value, en: value };
  }
  if (!isRecord(value) || typeof value.ja !== 'string') {
    return undefined;
  }
  return {
    ja: value.ja,
    en: typeof value.en === 'string' && value.en !== '' ? value.en : value.ja,
  };
}

function protocolError(why: string, status?: number): SignerError {
  return new SignerError(SignerErrorCode.PortalProtocol, why, { status });
}

export function parseSession(body: unknown): SignerSession {
  if (!isRecord(body)) {
    throw protocolError('session: not an object');
  }
  const { kind, status, municipality, form } = body;
  if (kind !== 'cardface' && kind !== 'sign') {
    throw protocolError(`session: unknown kind ${String(kind)}`);
  }
  if (status !== 'open' && status !== 'completed' && status !== 'failed' && status !== 'expired') {
    throw protocolError(`session: unknown status ${String(status)}`);
  }
  const municipalityName = isRecord(municipality) ? toText(municipality.name) : undefined;
  const formTitle = isRecord(form) ? toText(form.title) : undefined;
  if (!isRecord(municipality) || !municipalityName || !isRecord(form) || !formTitle) {
    throw protocolError('session: municipality or form missing');
  }
  const session: SignerSession = {
    kind,
    status,
    expiresAt: typeof body.expiresAt === 'string' ? body.expiresAt : '',
    municipality: { code: String(municipality.code), name: municipalityName },
    form: { id: String(form.id), title: formTitle },
  };
  if (kind === 'cardface') {
    const items = ['name', 'address', 'birthdate', 'sex'] as const;
    const requested = Array.isArray(body.requested) ? body.requested : items;
    session.requested = items.filter((item) => requested.includes(item));
  } else {
    const { summary, document } = body;
    if (
      !isRecord(document) ||
      typeof document.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/i.test(document.sha256) ||
      typeof document.size !== 'number'
    ) {
      throw protocolError('session: a signing session needs document { sha256, size }');
    }
    session.document = { sha256: document.sha256.toLowerCase(), size: document.size };
    if (!Array.isArray(summary)) {
      throw protocolError('session: a signing session needs a summary');
    }
    // Every line is shown: what the resident signs must not be silently shortened.
    session.summary = summary.map((row: unknown) => {
      const label = isRecord(row) ? toText(row.label) : undefined;
      if (!isRecord(row) || !label || typeof row.value !== 'string') {
        throw protocolError('session: a summary line has no label or value');
      }
      return { label, value: row.value };
    });
  }
  return session;
}

/** The HTTP side of the signer API. The session token in the URL is the only credential. */
export class SignerApiClient {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(
    readonly sessionUrl: URL,
    options: SignerApiClientOptions = {},
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async getSession(): Promise<SignerSession> {
    return parseSession(await this.request('GET', ''));
  }

  async postCardface(payload: CardfacePayload): Promise<void> {
    const { name, address, birthdate, sex } = payload;
    await this.request('POST', '/cardface', { name, address, birthdate, sex });
  }

  async postCertificate(certificate: Uint8Array): Promise<Buffer> {
    const body = await this.request('POST', '/certificate', {
      certificate: Buffer.from(certificate).toString('base64'),
    });
    if (!isRecord(body) || typeof body.digestInfo !== 'string') {
      throw protocolError('certificate: no digestInfo in the answer');
    }
    if (body.hashAlgorithm !== undefined && body.hashAlgorithm !== 'sha256') {
      throw new SignerError(
        SignerErrorCode.BadDigestInfo,
        `unsupported hashAlgorithm ${JSON.stringify(body.hashAlgorithm)}`,
      );
    }
    return Buffer.from(body.digestInfo, 'base64');
  }

  async postSignature(signature: Uint8Array): Promise<SignatureReceipt> {
    const body = await this.request('POST', '/signature', {
      signature: Buffer.from(signature).toString('base64'),
    });
    if (!isRecord(body) || typeof body.receiptNumber !== 'string') {
      throw protocolError('signature: no receiptNumber in the answer');
    }
    return { status: 'completed', receiptNumber: body.receiptNumber };
  }

  async postFailure(reason: FailureReason): Promise<void> {
    await this.request('POST', '/failure', { reason });
  }

  private async request(method: 'GET' | 'POST', suffix: string, body?: unknown): Promise<unknown> {
    const url = `${this.sessionUrl.href}${suffix}`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new SignerError(
        SignerErrorCode.Network,
        `${method} ${this.sessionUrl.origin}: ${(error as Error).message}`,
        undefined,
        error,
      );
    }
    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok) {
      return json;
    }
    throw this.toError(response.status, json, suffix);
  }

  private toError(status: number, json: unknown, suffix: string): SignerError {
    const portalError = isRecord(json) && typeof json.error === 'string' ? json.error : undefined;
    const portalMessage = isRecord(json) ? toText(json.message) : undefined;
    const details = { status, portalError, portalMessage };
    const what = `${suffix || 'GET session'}: HTTP ${status}${portalError ? ` ${portalError}` : ''}`;
    if (status === 404) {
      return new SignerError(SignerErrorCode.SessionNotFound, what, details);
    }
    if (status === 410) {
      return new SignerError(SignerErrorCode.SessionExpired, what, details);
    }
    if (status === 422 && (suffix === '/signature' || suffix === '/certificate')) {
      return new SignerError(SignerErrorCode.SignatureRefused, what, details);
    }
    return new SignerError(SignerErrorCode.PortalProtocol, what, details);
  }
}
