import { randomBytes } from 'node:crypto';
import { parseSecretKey, SecretBox, SecretBoxError, secretKeyId } from './secret-box';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const ROW = 'staff_user.totp_secret/0b8f6a8e-2f0a-4c58-9a53-6f0d1f7a3c11';

/** Flips one bit of one base64url field of an envelope. */
function flip(envelope: string, field: number): string {
  const parts = envelope.split(':');
  const bytes = Buffer.from(parts[field], 'base64url');
  bytes[0] ^= 0x01;
  parts[field] = bytes.toString('base64url');
  return parts.join(':');
}

describe('SecretBox', () => {
  const key = randomBytes(32);
  const sut = new SecretBox(key);

  it('opens what it sealed, and the envelope holds no plaintext', () => {
    const sealed = sut.seal(SECRET, ROW);
    expect(sealed).toMatch(
      /^v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/,
    );
    expect(sealed).not.toContain(SECRET);
    expect(SecretBox.isSealed(sealed)).toBe(true);
    expect(SecretBox.keyIdOf(sealed)).toBe(secretKeyId(key));
    expect(sut.open(sealed, ROW)).toBe(SECRET);
  });

  it('seals the same value differently each time (a fresh IV)', () => {
    expect(sut.seal(SECRET, ROW)).not.toBe(sut.seal(SECRET, ROW));
  });

  it('does not open with another key', () => {
    const sealed = sut.seal(SECRET, ROW);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, ROW)).toThrow(
      expect.objectContaining({ reason: 'UNKNOWN_KEY' }),
    );
    // a key id rewritten to the other key's: the tag still fails
    const other = new SecretBox(randomBytes(32));
    const relabelled = sealed.replace(/^v1:[^:]+:/, `v1:${other.keyId}:`);
    expect(() => other.open(relabelled, ROW)).toThrow(
      expect.objectContaining({ reason: 'NOT_AUTHENTIC' }),
    );
  });

  it('refuses a tampered tag, ciphertext or IV', () => {
    const sealed = sut.seal(SECRET, ROW);
    for (const field of [2, 3, 4]) {
      expect(() => sut.open(flip(sealed, field), ROW)).toThrow(SecretBoxError);
    }
    expect(() => sut.open(flip(sealed, 3), ROW)).toThrow(
      expect.objectContaining({ reason: 'NOT_AUTHENTIC' }),
    );
  });

  it('refuses a value moved to another row or column', () => {
    const sealed = sut.seal(SECRET, ROW);
    expect(() =>
      sut.open(sealed, 'staff_user.totp_secret/5d7f2c1e-0000-4000-8000-000000000000'),
    ).toThrow(expect.objectContaining({ reason: 'NOT_AUTHENTIC' }));
    expect(() =>
      sut.open(sealed, ROW.replace('staff_user.totp_secret', 'archive_connector.secret')),
    ).toThrow(SecretBoxError);
  });

  it('refuses plaintext and malformed envelopes without echoing them', () => {
    for (const value of [SECRET, 'v1:abc', 'v2:a:b:c:d', 'v1:x:y:z:w']) {
      let error: unknown;
      try {
        sut.open(value, ROW);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SecretBoxError);
      expect((error as Error).message).not.toContain(SECRET);
    }
  });

  it('opens values sealed under a previous key (rotation), and seals with the current one', () => {
    const old = new SecretBox(key);
    const sealed = old.seal(SECRET, ROW);
    const rotated = new SecretBox(randomBytes(32), [key]);
    expect(rotated.open(sealed, ROW)).toBe(SECRET);
    expect(SecretBox.keyIdOf(rotated.seal(SECRET, ROW))).toBe(rotated.keyId);
  });
});

describe('parseSecretKey', () => {
  const key = randomBytes(32);

  it('reads base64url, base64 (openssl rand -base64 32) and hex', () => {
    expect(parseSecretKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(`${key.toString('hex')}\n`)).toEqual(key);
  });

  it('refuses anything that is not 32 bytes', () => {
    for (const text of [
      '',
      'short',
      randomBytes(16).toString('base64url'),
      'x'.repeat(64),
      randomBytes(48).toString('base64'),
    ]) {
      expect(parseSecretKey(text)).toBeUndefined();
    }
  });
});
