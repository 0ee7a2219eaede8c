import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A value that a SecretBox could not open: wrong key, tampered, or sealed for another row. Never holds the value. */
export class SecretBoxError extends Error {
  constructor(
    readonly reason: 'MALFORMED' | 'UNKNOWN_KEY' | 'NOT_AUTHENTIC',
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A 256-bit key as an operator writes it: base64url or base64 (`openssl rand -base64 32`), or 64 hex digits.
 * Undefined when the text is not exactly 32 bytes in one of these.
 */
export function parseSecretKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) {
    return Buffer.from(t, 'hex');
  }
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)) {
    const key = Buffer.from(
      t.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      'base64url',
    );
    return key.length === KEY_BYTES ? key : undefined;
  }
  return undefined;
}

/** A short public name of a key (not the key): which key sealed a value, so that keys can be rotated later. */
export function secretKeyId(key: Buffer): string {
  return createHash('sha256')
    .update('madoguchi secret-box key id\0')
    .update(key)
    .digest('base64url')
    .slice(0, 8);
}

/**
 * Secrets at rest (TOTP shared secrets, archive connector passwords): AES-256-GCM (NIST SP 800-38D) with a random
 * 96-bit IV per value. The stored text is a versioned envelope `v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url).
 * The `context` (e.g. `staff_user.totp_secret/<id>`) is authenticated as associated data: a value copied to another
 * row or column does not open.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly keyId: string;

  /** `previous`: keys that may still open older values (rotation); values are always sealed with `current`. */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== KEY_BYTES) {
        throw new Error(`a secret-box key is ${KEY_BYTES} bytes`);
      }
    }
    this.keyId = secretKeyId(current);
    this.keys.set(this.keyId, current);
    for (const key of previous) {
      this.keys.set(secretKeyId(key), key);
    }
  }

  static isSealed(value: string): boolean {
    return value.startsWith(`${VERSION}:`);
  }

  /** The key id a sealed value names, or undefined when it is not an envelope. */
  static keyIdOf(value: string): string | undefined {
    const parts = value.split(':');
    return parts.length === 5 && parts[0] === VERSION ? parts[1] : undefined;
  }

  seal(plaintext: string, context: string): string {
    const key = this.keys.get(this.keyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(this.keyId, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.keyId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join(':');
  }

  open(envelope: string, context: string): string {
    const parts = envelope.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new SecretBoxError('MALFORMED', 'not a sealed value');
    }
    const [, keyId, ivText, tagText, ciphertextText] = parts;
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretBoxError(
        'UNKNOWN_KEY',
        `sealed under key ${keyId}, which is not the configured key (${this.keyId})`,
      );
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('MALFORMED', 'not a sealed value');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(keyId, context));
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertextText, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'NOT_AUTHENTIC',
        'the sealed value does not open: altered, or sealed for another row',
      );
    }
  }
}

function associatedData(keyId: string, context: string): Buffer {
  return Buffer.from(`madoguchi:${VERSION}:${keyId}:${context}`, 'utf8');
}
