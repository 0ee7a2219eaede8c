import { DomainError } from '@madoguchi/common';

/**
 * A small DER writer and a strict reader (X.690). The J-LIS profile needs byte-level control over string types,
 * tag classes and extension order, which is plainer to state here than through pkijs object defaults.
 */

export enum DerErrorCode {
  Truncated = 'DER_TRUNCATED',
  BadLength = 'DER_BAD_LENGTH',
  UnexpectedTag = 'DER_UNEXPECTED_TAG',
  TrailingBytes = 'DER_TRAILING_BYTES',
}
export class DerError extends DomainError<DerErrorCode> {}

export const Tag = {
  Boolean: 0x01,
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  Oid: 0x06,
  Enumerated: 0x0a,
  Utf8String: 0x0c,
  PrintableString: 0x13,
  Ia5String: 0x16,
  UtcTime: 0x17,
  GeneralizedTime: 0x18,
  Sequence: 0x30,
  Set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) {
    return Buffer.from([length]);
  }
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
    bytes.unshift(rest & 0xff);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(Tag.Sequence, Buffer.concat(items));
/** Only used with a single element (one attribute per RDN), so no DER sorting is needed. */
export const set = (item: Buffer): Buffer => tlv(Tag.Set, item);
export const octetString = (value: Buffer): Buffer => tlv(Tag.OctetString, value);
export const utf8String = (value: string): Buffer =>
  tlv(Tag.Utf8String, Buffer.from(value, 'utf8'));
export const printableString = (value: string): Buffer =>
  tlv(Tag.PrintableString, Buffer.from(value, 'ascii'));
export const ia5String = (value: string): Buffer => tlv(Tag.Ia5String, Buffer.from(value, 'ascii'));
export const derNull = (): Buffer => Buffer.from([Tag.Null, 0x00]);
export const derTrue = (): Buffer => Buffer.from([Tag.Boolean, 0x01, 0xff]);
export const enumerated = (value: number): Buffer => tlv(Tag.Enumerated, Buffer.from([value]));

/** Context-specific tag: constructed for EXPLICIT and constructed IMPLICIT, primitive for IMPLICIT primitives. */
export const contextTag = (n: number, content: Buffer, isConstructed = true): Buffer =>
  tlv((isConstructed ? 0xa0 : 0x80) | n, content);

/** INTEGER from unsigned big-endian magnitude bytes, or from a small non-negative number. */
export function integer(value: Buffer | number): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number') {
    const hex = value.toString(16);
    bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  } else {
    bytes = value;
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) {
    start++;
  }
  bytes = bytes.subarray(start);
  if (bytes.length === 0) {
    bytes = Buffer.from([0]);
  }
  return tlv(Tag.Integer, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** BIT STRING; for named-bit lists (keyUsage) pass the trailing unused bit count (X.690 §11.2.2). */
export const bitString = (value: Buffer, unusedBits = 0): Buffer =>
  tlv(Tag.BitString, Buffer.concat([Buffer.from([unusedBits]), value]));

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const out: number[] = [];
  const pushBase128 = (value: bigint): void => {
    const chunk: number[] = [Number(value & 0x7fn)];
    for (let rest = value >> 7n; rest > 0n; rest >>= 7n) {
      chunk.unshift(Number((rest & 0x7fn) | 0x80n));
    }
    out.push(...chunk);
  };
  pushBase128(arcs[0] * 40n + arcs[1]);
  arcs.slice(2).forEach(pushBase128);
  return tlv(Tag.Oid, Buffer.from(out));
}

export function decodeOid(content: Buffer): string {
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (arcs.length === 0 || (content[content.length - 1] & 0x80) !== 0) {
    throw new DerError(DerErrorCode.BadLength, 'bad OBJECT IDENTIFIER');
  }
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

const pad = (n: number, width = 2): string => n.toString().padStart(width, '0');

function timeDigits(date: Date): string {
  return (
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds())
  );
}

/** RFC 5280 §4.1.2.5: GeneralizedTime without fractions, always Zulu. */
export const generalizedTime = (date: Date): Buffer =>
  tlv(Tag.GeneralizedTime, Buffer.from(`${pad(date.getUTCFullYear(), 4)}${timeDigits(date)}Z`));

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function x509Time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) {
    return tlv(Tag.UtcTime, Buffer.from(`${pad(year % 100)}${timeDigits(date)}Z`));
  }
  return generalizedTime(date);
}

export function decodeTime(node: DerNode): Date {
  const text = node.content.toString('ascii');
  const match =
    node.tag === Tag.UtcTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text);
  if (!match || (node.tag !== Tag.UtcTime && node.tag !== Tag.GeneralizedTime)) {
    throw new DerError(DerErrorCode.UnexpectedTag, `not a time: ${text}`);
  }
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const year = node.tag === Tag.UtcTime ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

export interface DerNode {
  tag: number;
  /** The whole TLV, for re-emitting a structure byte for byte (e.g. an OCSP CertID). */
  raw: Buffer;
  content: Buffer;
}

/** Reads one TLV at offset; definite lengths only (DER), single-byte tags only. */
export function readNode(buffer: Buffer, offset = 0): DerNode {
  if (offset + 2 > buffer.length) {
    throw new DerError(DerErrorCode.Truncated, 'truncated TLV header');
  }
  const tag = buffer[offset];
  if ((tag & 0x1f) === 0x1f) {
    throw new DerError(DerErrorCode.UnexpectedTag, 'high tag numbers are not supported');
  }
  let length = buffer[offset + 1];
  let headerLength = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) {
      throw new DerError(DerErrorCode.BadLength, 'indefinite or oversized length');
    }
    if (offset + 2 + count > buffer.length) {
      throw new DerError(DerErrorCode.Truncated, 'truncated length');
    }
    length = 0;
    for (let i = 0; i < count; i++) {
      length = length * 256 + buffer[offset + 2 + i];
    }
    headerLength += count;
  }
  const end = offset + headerLength + length;
  if (end > buffer.length) {
    throw new DerError(DerErrorCode.Truncated, 'TLV longer than its container');
  }
  return {
    tag,
    raw: buffer.subarray(offset, end),
    content: buffer.subarray(offset + headerLength, end),
  };
}

/** Parses a buffer that must hold exactly one TLV. */
export function parseDer(buffer: Buffer): DerNode {
  const node = readNode(buffer);
  if (node.raw.length !== buffer.length) {
    throw new DerError(DerErrorCode.TrailingBytes, 'bytes after the outer TLV');
  }
  return node;
}

export function children(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) {
    throw new DerError(
      DerErrorCode.UnexpectedTag,
      `tag 0x${node.tag.toString(16)} is not constructed`,
    );
  }
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length;) {
    const child = readNode(node.content, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) {
    throw new DerError(DerErrorCode.UnexpectedTag, `expected ${what}`);
  }
  return node;
}

/** INTEGER content as upper-case hex without leading zero octets (how serials are named here). */
export function integerHex(node: DerNode): string {
  expectTag(node, Tag.Integer, 'INTEGER');
  return normaliseSerialHex(node.content.toString('hex'));
}

export function normaliseSerialHex(hex: string): string {
  const clean = hex.replace(/[:\s]/g, '').toUpperCase();
  const stripped = clean.replace(/^(00)+/, '');
  return stripped === '' ? '00' : stripped.length % 2 ? `0${stripped}` : stripped;
}
