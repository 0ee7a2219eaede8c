import { CardError, CardErrorCode } from './card.error';

export interface TlvHeader {
  /** Tag bytes as a number (e.g. 0x30, 0xFF20, 0xDF22). */
  tag: number;
  headerLength: number;
  length: number;
}

/**
 * BER tag and definite length at `offset` (ISO 7816-4 §5.2 / X.690 §8.1). Returns undefined when
 * the bytes end before the header does; throws MALFORMED_DATA for forms a card never uses.
 */
export function readTlvHeader(bytes: Uint8Array, offset = 0): TlvHeader | undefined {
  let i = offset;
  if (i >= bytes.length) {
    return undefined;
  }
  let tag = bytes[i++];
  if ((tag & 0x1f) === 0x1f) {
    // High-tag-number form: subsequent bytes while b8 is set (JPKI.md §3.1 uses FF 20, DF 2x).
    for (;;) {
      if (i >= bytes.length) {
        return undefined;
      }
      const b = bytes[i++];
      tag = tag * 256 + b;
      if ((b & 0x80) === 0) {
        break;
      }
      if (i - offset > 4) {
        throw new CardError(CardErrorCode.MalformedData, 'TLV tag longer than 4 bytes');
      }
    }
  }
  if (i >= bytes.length) {
    return undefined;
  }
  const first = bytes[i++];
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 3) {
      throw new CardError(
        CardErrorCode.MalformedData,
        `unsupported TLV length form 0x${first.toString(16)}`,
      );
    }
    if (i + n > bytes.length) {
      return undefined;
    }
    length = 0;
    for (let k = 0; k < n; k++) {
      length = length * 256 + bytes[i++];
    }
  }
  return { tag, headerLength: i - offset, length };
}

export interface Tlv {
  tag: number;
  value: Uint8Array;
}

/** Splits a buffer that holds TLVs back to back; trailing filler bytes (FF or 00) end the list. */
export function readTlvList(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < bytes.length && bytes[offset] !== 0xff && bytes[offset] !== 0x00) {
    const header = readTlvHeader(bytes, offset);
    if (!header) {
      throw new CardError(CardErrorCode.MalformedData, `truncated TLV header at offset ${offset}`);
    }
    const start = offset + header.headerLength;
    const end = start + header.length;
    if (end > bytes.length) {
      throw new CardError(CardErrorCode.MalformedData, `TLV at offset ${offset} runs past the end`);
    }
    out.push({ tag: header.tag, value: bytes.slice(start, end) });
    offset = end;
  }
  return out;
}

function encodeLength(length: number): number[] {
  if (length < 0x80) {
    return [length];
  }
  if (length < 0x100) {
    return [0x81, length];
  }
  if (length < 0x10000) {
    return [0x82, length >> 8, length & 0xff];
  }
  throw new CardError(CardErrorCode.InvalidArgument, `TLV value too long: ${length}`);
}

function encodeTag(tag: number): number[] {
  const bytes: number[] = [];
  let t = tag;
  do {
    bytes.unshift(t & 0xff);
    t = Math.floor(t / 256);
  } while (t > 0);
  return bytes;
}

export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const head = [...encodeTag(tag), ...encodeLength(value.length)];
  const out = new Uint8Array(head.length + value.length);
  out.set(head);
  out.set(value, head.length);
  return out;
}
