import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '@madoguchi/common';

/**
 * Zone-boundary authentication (ARCHITECTURE.md, zones): the back office signs every transfer request with a
 * shared key. The MAC covers method, path (with query), timestamp, nonce and the SHA-256 of the body, so a request
 * cannot be altered, replayed (nonce) or kept for later (timestamp window).
 */
export const TRANSFER_HEADERS = {
  timestamp: 'x-madoguchi-timestamp',
  nonce: 'x-madoguchi-nonce',
  signature: 'x-madoguchi-signature',
} as const;

export const TRANSFER_MAX_SKEW_MS = 5 * 60 * 1000;

export enum TransferAuthErrorCode {
  Missing = 'TRANSFER_AUTH_MISSING',
  BadSignature = 'TRANSFER_BAD_SIGNATURE',
  Stale = 'TRANSFER_STALE',
  Replayed = 'TRANSFER_REPLAYED',
}

export class TransferAuthError extends DomainError<TransferAuthErrorCode> {}

function canonical(
  method: string,
  path: string,
  timestamp: string,
  nonce: string,
  body: Uint8Array,
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return [method.toUpperCase(), path, timestamp, nonce, bodyHash].join('\n');
}

function mac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

export function signTransferRequest(
  key: string,
  method: string,
  path: string,
  body: Uint8Array = new Uint8Array(),
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString('hex');
  return {
    [TRANSFER_HEADERS.timestamp]: timestamp,
    [TRANSFER_HEADERS.nonce]: nonce,
    [TRANSFER_HEADERS.signature]: mac(key, canonical(method, path, timestamp, nonce, body)),
  };
}

export interface VerifiedTransferRequest {
  nonce: string;
  timestamp: number;
}

/**
 * Checks the MAC and the time window. The caller must then record the nonce and refuse it if seen before
 * (`TransferAuthErrorCode.Replayed`): nonces are kept for the skew window, after which the timestamp refuses them.
 */
export function verifyTransferRequest(
  key: string,
  method: string,
  path: string,
  headers: Record<string, string | string[] | undefined>,
  body: Uint8Array,
  now: number = Date.now(),
): VerifiedTransferRequest {
  const get = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const timestamp = get(TRANSFER_HEADERS.timestamp);
  const nonce = get(TRANSFER_HEADERS.nonce);
  const signature = get(TRANSFER_HEADERS.signature);
  if (!timestamp || !nonce || !signature) {
    throw new TransferAuthError(
      TransferAuthErrorCode.Missing,
      'transfer authentication headers missing',
    );
  }
  if (
    !/^\d{1,16}$/.test(timestamp) ||
    !/^[0-9a-f]{32}$/.test(nonce) ||
    !/^[0-9a-f]{64}$/.test(signature)
  ) {
    throw new TransferAuthError(
      TransferAuthErrorCode.BadSignature,
      'malformed transfer authentication headers',
    );
  }
  const expected = Buffer.from(mac(key, canonical(method, path, timestamp, nonce, body)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    throw new TransferAuthError(
      TransferAuthErrorCode.BadSignature,
      'transfer signature does not match',
    );
  }
  const ts = Number(timestamp);
  if (Math.abs(now - ts) > TRANSFER_MAX_SKEW_MS) {
    throw new TransferAuthError(
      TransferAuthErrorCode.Stale,
      'transfer request is outside the time window',
    );
  }
  return { nonce, timestamp: ts };
}
