import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP password storage cheat sheet lists N=2^14, r=8, p=5 as equal in strength to N=2^17, r=8, p=1; it needs
 * 16 MiB per check instead of 128 MiB, so concurrent logins cannot exhaust memory as easily.
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 14, r: 8, p: 5 };
const KEY_LENGTH = 64;
const SALT_LENGTH = 16;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/**
 * scrypt with a per-user random salt; the cost is stored with the hash (`scrypt$N$r$p$salt$key`, base64) so it
 * can be raised later without invalidating existing hashes.
 */
export class PasswordHasher {
  constructor(private readonly cost: ScryptCost = DEFAULT_SCRYPT_COST) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(password, salt, this.cost);
    const { N, r, p } = this.cost;
    return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt') {
      return false;
    }
    const [N, r, p] = parts.slice(1, 4).map(Number);
    if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) {
      return false;
    }
    const salt = Buffer.from(parts[4], 'base64');
    const expected = Buffer.from(parts[5], 'base64');
    if (expected.length !== KEY_LENGTH) {
      return false;
    }
    const actual = await derive(password, salt, { N, r, p });
    return timingSafeEqual(actual, expected);
  }

  /** Spends the same time as a real check, so an unknown login id cannot be told apart by timing. */
  async burn(password: string): Promise<void> {
    await derive(password, randomBytes(SALT_LENGTH), this.cost);
  }
}
