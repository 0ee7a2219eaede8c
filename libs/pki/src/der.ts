import { PkiError, PkiErrorCode } from './pki.error';

/**
 * A strict DER reader (X.690 §10) that keeps the raw bytes of every element, and a small DER writer. Signatures
 * cover exact bytes (RFC 5652 §5.4, RFC 5280 §4.1.1.3), so we slice them rather than re-encode. The simulated J-LIS
 * (libs/virtual-card) builds its certificates, CRLs and OCSP responses with the same writer: the J-LIS profile needs
 * byte-level control over string types, tag classes and extension order.
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
  PrintableString: 0x13,
  Ia5String: 0x16,
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
  if ((content[content.length - 1] & 0x80) !== 0) {
    malformed('OID ends inside a sub-identifier');
  }
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
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
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const out: number[] = [];
  const push = (value: bigint): void => {
    const group: number[] = [Number(value & 0x7fn)];
    for (let rest = value >> 7n; rest > 0n; rest >>= 7n) {
      group.unshift(Number((rest & 0x7fn) | 0x80n));
    }
    out.push(...group);
  };
  push(arcs[0] * 40n + arcs[1]);
  arcs.slice(2).forEach(push);
  return tlv(Tag.Oid, Buffer.from(out));
}

export function smallInteger(value: number): Buffer {
  return tlv(Tag.Integer, Buffer.from([value]));
}

export const utf8String = (value: string): Buffer =>
  tlv(Tag.Utf8String, Buffer.from(value, 'utf8'));
export const printableString = (value: string): Buffer =>
  tlv(Tag.PrintableString, Buffer.from(value, 'ascii'));
export const ia5String = (value: string): Buffer => tlv(Tag.Ia5String, Buffer.from(value, 'ascii'));
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
  tlv(Tag.BitString, Buffer.from([unusedBits]), value);

const timeDigits = (date: Date): string => date.toISOString().replace(/[-:T]/g, '').slice(0, 14);

/** RFC 5280 §4.1.2.5.2: GeneralizedTime without fractions, always Zulu. */
export const generalizedTime = (date: Date): Buffer =>
  tlv(Tag.GeneralizedTime, Buffer.from(`${timeDigits(date)}Z`, 'latin1'));

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function encodeTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(Tag.UtcTime, Buffer.from(`${timeDigits(date).slice(2)}Z`, 'latin1'))
    : generalizedTime(date);
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

/** SAN otherNames `[0] { type-id, [0] EXPLICIT UTF8String }` as oid → string (RFC 5280 §4.2.1.6). */
export function decodeOtherNames(subjectAltName: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of children(expectTag(parseDer(subjectAltName), Tag.Sequence, 'GeneralNames'))) {
    if (name.tag !== 0xa0) {
      continue;
    }
    const [typeId, explicit] = children(name);
    const value = readNodeAt(expectTag(explicit, 0xa0, 'otherName value').content, 0);
    out.set(
      oidOf(typeId, 'otherName type-id'),
      expectTag(value, Tag.Utf8String, 'otherName UTF8String').content.toString('utf8'),
    );
  }
  return out;
}
