import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** 受付番号: the date in Japan + 8 random digits, e.g. 20261124-48213907 (unique index; a clash is retried). */
export function newReceiptNumber(now: Date): string {
  const ymd = new Date(now.getTime() + 9 * 3600 * 1000)
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
  return `${ymd}-${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

/** The secret of the resident's status link: 128 bits, only its hash is stored. */
export function newStatusSecret(): { secret: string; hash: string } {
  const secret = randomBytes(16).toString('base64url');
  return { secret, hash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
