import { randomInt } from 'node:crypto';
import { VirtualCardError, VirtualCardErrorCode } from './virtual-card.error';

/**
 * Check digit of the individual number (番号法施行令 §8): P_n are the first 11 digits counted from the
 * right (n = 1..11), Q_n = n + 1 for n ≤ 6 and n − 5 for n ≥ 7; r = Σ P_n·Q_n mod 11; check = r ≤ 1 ? 0 : 11 − r.
 */
export function myNumberCheckDigit(first11: string): number {
  if (!/^\d{11}$/.test(first11)) {
    throw new VirtualCardError(VirtualCardErrorCode.InvalidParameters, 'expected 11 digits');
  }
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = Number(first11[11 - n]);
    const q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function isValidMyNumber(value: string): boolean {
  return /^\d{12}$/.test(value) && myNumberCheckDigit(value.slice(0, 11)) === Number(value[11]);
}

/** A fictional 12-digit number with a valid check digit; it only ever lives inside a virtual card. */
export function generateFictionalMyNumber(): string {
  let first11 = String(randomInt(1, 10));
  for (let i = 0; i < 10; i++) {
    first11 += String(randomInt(0, 10));
  }
  return first11 + String(myNumberCheckDigit(first11));
}
