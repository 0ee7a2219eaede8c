import { PkiError, PkiErrorCode } from './pki.error';

/**
 * A strict DER reader (X.690 §10) that keeps the raw bytes of every element, and the few writers this lib needs.
 * Signatures cover exact bytes (RFC 5652 §5.4, RFC 5280 §4.1.1.3), so we slice them rather than re-encode.
 */
export interface DerNode {
  tag: number;
  /** The whole TLV. */
  raw: Buffer;
  content: Buffer;
}

export const Tag = {
  Boolean: 0x01,
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  Oid: 0x06,
  Enumerated: 0x0a,
  Utf8String: 0x0c,
  UtcTime: 0x17,
  GeneralizedTime: 0x18,
  Sequence: 0x30,
  Set: 0x31,
} as const;

const malformed = (message: string): never => {
  throw new PkiError(PkiErrorCode.Malformed, message);
};

/** Reads one element at `offset`; multi-byte tags and indefinite lengths are refused (DER). */
export function readNodeAt(buffer: Buffer, offset: number): DerNode {
  if (offset + 2 > buffer.length) {
    malformed('truncated DER');
  }
  const tag = buffer[offset];
  if ((tag & 0x1f) === 0x1f) {
    malformed('multi-byte tags are not used here');
  }
  let length = buffer[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) {
      malformed('indefinite or oversized DER length');
    }
    if (offset + 2 + count > buffer.length) {
      malformed('truncated DER length');
    }
    length = 0;
    for (let i = 0; i < count; i++) {
      length = length * 256 + buffer[offset + 2 + i];
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > buffer.length) {
    malformed('truncated DER content');
  }
  return {
    tag,
    raw: buffer.subarray(offset, end),
    content: buffer.subarray(offset + header, end),
  };
}

/** Parses exactly one element spanning the whole buffer. */
export function parseDer(buffer: Buffer): DerNode {
  const node = readNodeAt(buffer, 0);
  if (node.raw.length !== buffer.length) {
    malformed('trailing bytes after DER element');
  }
  return node;
}

export function children(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) {
    malformed(`tag 0x${node.tag.toString(16)} is not constructed`);
  }
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length;) {
    const child = readNodeAt(node.content, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) {
    return malformed(`${what}: expected tag 0x${tag.toString(16)}`);
  }
  return node;
}

const knownOids = new Map<string, string>();

export function decodeOid(content: Buffer): string {
  if (content.length === 0) {
    malformed('empty OID');
  }
  const id = content.toString('latin1');
  let dotted = knownOids.get(id);
  if (dotted === undefined) {
    dotted = decodeOidUncached(content);
    if (knownOids.size >= 10_000) {
      knownOids.clear();
    }
    knownOids.set(id, dotted);
  }
  return dotted;
}

function decodeOidUncached(content: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

export function oidOf(node: DerNode | undefined, what: string): string {
  return decodeOid(expectTag(node, Tag.Oid, what).content);
}

/** UTCTime (RFC 5280 §4.1.2.5.1: YY < 50 is 20YY) or GeneralizedTime, Zulu only. */
export function decodeTime(node: DerNode | undefined): Date {
  const text = node?.content.toString('latin1') ?? '';
  const match =
    node?.tag === Tag.UtcTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : node?.tag === Tag.GeneralizedTime
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text)
        : null;
  if (!match) {
    return malformed('not a UTCTime or GeneralizedTime in Zulu');
  }
  let year = +match[1];
  if (node?.tag === Tag.UtcTime) {
    year += year < 50 ? 2000 : 1900;
  }
  return new Date(Date.UTC(year, +match[2] - 1, +match[3], +match[4], +match[5], +match[6]));
}

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

export const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
};
export const sequence = (...items: Buffer[]): Buffer => tlv(Tag.Sequence, ...items);
/** X.690 §11.6: the elements of a DER SET OF are sorted by their encodings. */
export const setOf = (...items: Buffer[]): Buffer =>
  tlv(Tag.Set, ...[...items].sort((a, b) => Buffer.compare(a, b)));
export const octetString = (value: Buffer): Buffer => tlv(Tag.OctetString, value);
export const derNull = (): Buffer => Buffer.from([Tag.Null, 0x00]);

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [];
  const push = (value: number): void => {
    const group: number[] = [value & 0x7f];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) {
      group.unshift((rest & 0x7f) | 0x80);
    }
    bytes.push(...group);
  };
  push(parts[0] * 40 + parts[1]);
  parts.slice(2).forEach(push);
  return tlv(Tag.Oid, Buffer.from(bytes));
}

export function smallInteger(value: number): Buffer {
  return tlv(Tag.Integer, Buffer.from([value]));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function encodeTime(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(Tag.UtcTime, Buffer.from(`${iso.slice(2)}Z`, 'latin1'))
    : tlv(Tag.GeneralizedTime, Buffer.from(`${iso}Z`, 'latin1'));
}
