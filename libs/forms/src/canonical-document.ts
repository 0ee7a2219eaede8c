import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '@madoguchi/common';
import { isMunicipalityCode } from './municipality-code';

/** Marks the layout of the signed document, so that a later layout can be told apart. */
export const CANONICAL_DOCUMENT_FORMAT = 'madoguchi-application/1';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface CanonicalAttachment {
  name: string;
  /** MIME type. */
  type: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

export interface CanonicalDocumentInput {
  municipalityCode: string;
  formId: string;
  formVersion: string | number;
  /** Lower-case hex SHA-256 of the form definition the resident filled in. */
  formSha256: string;
  answers: Record<string, unknown>;
  attachments: CanonicalAttachment[];
  /** Default: 128 random bits, base64url. */
  nonce?: string;
  /** Default: now. */
  createdAt?: Date;
}

export interface CanonicalDocument {
  /** RFC 8785 (JCS) UTF-8 bytes: what is stored, hashed and signed. */
  bytes: Buffer;
  /** Lower-case hex SHA-256 of `bytes`. */
  sha256: string;
  json: CanonicalDocumentJson;
}

export interface CanonicalDocumentJson {
  format: typeof CANONICAL_DOCUMENT_FORMAT;
  municipalityCode: string;
  form: { id: string; version: string | number; sha256: string };
  answers: { [key: string]: JsonValue };
  attachments: CanonicalAttachment[];
  nonce: string;
  createdAt: string;
}

export enum CanonicalDocumentErrorCode {
  NotCanonicalizable = 'CANONICAL_DOCUMENT_NOT_CANONICALIZABLE',
}
export class CanonicalDocumentError extends DomainError<CanonicalDocumentErrorCode> {}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_DEPTH = 32;

const fail = (message: string): never => {
  throw new CanonicalDocumentError(CanonicalDocumentErrorCode.NotCanonicalizable, message);
};

/**
 * A plain copy made of JSON values only. RFC 8785 §3.2.2: strings must be valid Unicode (no lone surrogates, which
 * UTF-8 cannot carry), numbers finite (I-JSON, RFC 7493 §2.2); anything else (undefined, Date, Map) is refused
 * rather than silently dropped or converted, since these bytes are what the resident signs.
 */
function toJson(value: unknown, path: string, depth: number): JsonValue {
  if (depth > MAX_DEPTH) {
    return fail(`${path}: nested deeper than ${MAX_DEPTH}`);
  }
  if (value === null || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'string') {
    return hasLoneSurrogate(value) ? fail(`${path}: string with a lone surrogate`) : value;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : fail(`${path}: not a finite number`);
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => toJson(item, `${path}[${i}]`, depth + 1));
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (hasLoneSurrogate(key)) {
        fail(`${path}: key with a lone surrogate`);
      }
      out[key] = toJson(item, `${path}.${key}`, depth + 1);
    }
    return out;
  }
  return fail(`${path}: ${typeof value} is not a JSON value`);
}

/** In u-mode a paired surrogate is one astral code point, so only lone surrogates match \p{Cs}. */
const hasLoneSurrogate = (text: string): boolean => /\p{Cs}/u.test(text);

let canonicalizeModule: Promise<(input: unknown) => string | undefined> | undefined;

/** `canonicalize` is ESM-only with an "import"-only export map: require() cannot load it, import() can. */
function loadCanonicalize(): Promise<(input: unknown) => string | undefined> {
  canonicalizeModule ??= import('canonicalize').then((m) => m.default);
  return canonicalizeModule;
}

/**
 * Freezes an application as RFC 8785 JSON (ARCHITECTURE.md flow 2; issue 4 item 2): municipality, form id, version
 * and SHA-256 of the definition, answers, attachments by hash, a nonce and the time. The bytes are signed as they
 * are; a CMS whose message-digest is not SHA-256 of these bytes is refused by the verifier.
 */
export async function buildCanonicalDocument(input: CanonicalDocumentInput): Promise<CanonicalDocument> {
  if (!isMunicipalityCode(input.municipalityCode)) {
    fail('municipalityCode is not a municipality code');
  }
  if (!input.formId || !SHA256_HEX.test(input.formSha256)) {
    fail('formId is empty or formSha256 is not lower-case hex SHA-256');
  }
  for (const [i, a] of input.attachments.entries()) {
    if (!a.name || !a.type || !SHA256_HEX.test(a.sha256)) {
      fail(`attachments[${i}] needs a name, a type and a lower-case hex SHA-256`);
    }
  }
  const createdAt = input.createdAt ?? new Date();
  if (Number.isNaN(createdAt.getTime())) {
    fail('createdAt is not a date');
  }
  const json: CanonicalDocumentJson = {
    format: CANONICAL_DOCUMENT_FORMAT,
    municipalityCode: input.municipalityCode,
    form: { id: input.formId, version: input.formVersion, sha256: input.formSha256 },
    answers: toJson(input.answers, 'answers', 0) as { [key: string]: JsonValue },
    attachments: input.attachments.map(({ name, type, sha256 }) => ({
      name: toJson(name, 'attachment name', 0) as string,
      type,
      sha256,
    })),
    nonce: input.nonce ?? randomBytes(16).toString('base64url'),
    createdAt: createdAt.toISOString(),
  };
  const canonicalize = await loadCanonicalize();
  const text = canonicalize(json) ?? fail('not canonicalizable');
  const bytes = Buffer.from(text, 'utf8');
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), json };
}
