import { CardError, CardErrorCode } from './card.error';
import { encodeTlv, readTlvHeader, readTlvList } from './tlv';

/** Sex codes of the card-input-helper AP (JPKI.md §3.1): 1 male, 2 female, 9 not applicable, 0 unknown. */
export type SexCode = '0' | '1' | '2' | '9';
export const SEX_CODES: readonly SexCode[] = ['0', '1', '2', '9'];

/** The basic four details (基本4情報) as the card holds them. */
export interface BasicFour {
  /** 氏名; surname and given name separated by U+3000. */
  name: string;
  /** 住所. */
  address: string;
  /** 生年月日, Gregorian 'YYYYMMDD'. */
  birthdate: string;
  sex: SexCode;
}

// JPKI.md §3.1: EF 0002 = FF 20 { DF 21 offsets, DF 22 name, DF 23 address, DF 24 birthdate, DF 25 sex }.
const TAG_OUTER = 0xff20;
const TAG_OFFSETS = 0xdf21;
const TAG_NAME = 0xdf22;
const TAG_ADDRESS = 0xdf23;
const TAG_BIRTHDATE = 0xdf24;
const TAG_SEX = 0xdf25;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isSexCode(value: string): value is SexCode {
  return (SEX_CODES as readonly string[]).includes(value);
}

export function validateBasicFour(b: BasicFour): void {
  const bad = (why: string) => new CardError(CardErrorCode.InvalidArgument, `basic four: ${why}`);
  if (b.name.length === 0) {
    throw bad('empty name');
  }
  if (b.address.length === 0) {
    throw bad('empty address');
  }
  if (!/^\d{8}$/.test(b.birthdate)) {
    throw bad(`birthdate must be YYYYMMDD, got ${b.birthdate}`);
  }
  if (!isSexCode(b.sex)) {
    throw bad(`sex must be one of ${SEX_CODES.join(', ')}`);
  }
}

/** Encodes EF 0002 of the card-input-helper AP, offset table included (JPKI.md §3.1). */
export function encodeBasicFour(b: BasicFour): Uint8Array {
  validateBasicFour(b);
  const enc = new TextEncoder();
  const items = [
    encodeTlv(TAG_NAME, enc.encode(b.name)),
    encodeTlv(TAG_ADDRESS, enc.encode(b.address)),
    encodeTlv(TAG_BIRTHDATE, enc.encode(b.birthdate)),
    encodeTlv(TAG_SEX, enc.encode(b.sex)),
  ];
  const offsetTableLength = 3 + 8;
  const innerLength = offsetTableLength + items.reduce((sum, item) => sum + item.length, 0);
  const outerHeaderLength = encodeTlv(TAG_OUTER, new Uint8Array(innerLength)).length - innerLength;
  // DF 21: the start of DF22..DF25 counted from the start of the file.
  const offsets = new Uint8Array(8);
  let position = outerHeaderLength + offsetTableLength;
  items.forEach((item, i) => {
    offsets[2 * i] = position >> 8;
    offsets[2 * i + 1] = position & 0xff;
    position += item.length;
  });
  return encodeTlv(TAG_OUTER, Buffer.concat([encodeTlv(TAG_OFFSETS, offsets), ...items]));
}

/** Parses EF 0002 (filler after the TLV is ignored). */
export function parseBasicFour(ef: Uint8Array): BasicFour {
  const malformed = (why: string) =>
    new CardError(CardErrorCode.MalformedData, `basic four EF: ${why}`);
  const header = readTlvHeader(ef);
  if (!header || header.tag !== TAG_OUTER) {
    throw malformed('does not start with FF 20');
  }
  const end = header.headerLength + header.length;
  if (end > ef.length) {
    throw malformed('truncated');
  }
  const fields = new Map<number, Uint8Array>();
  for (const tlv of readTlvList(ef.slice(header.headerLength, end))) {
    fields.set(tlv.tag, tlv.value);
  }
  const text = (tag: number, label: string): string => {
    const value = fields.get(tag);
    if (!value) {
      throw malformed(`${label} (${tag.toString(16).toUpperCase()}) missing`);
    }
    try {
      return utf8.decode(value);
    } catch {
      throw malformed(`${label} is not UTF-8`);
    }
  };
  const birthdate = text(TAG_BIRTHDATE, 'birthdate');
  const sex = text(TAG_SEX, 'sex');
  if (!/^\d{8}$/.test(birthdate)) {
    throw malformed('birthdate is not YYYYMMDD');
  }
  if (!isSexCode(sex)) {
    throw malformed(`unknown sex code ${JSON.stringify(sex)}`);
  }
  return { name: text(TAG_NAME, 'name'), address: text(TAG_ADDRESS, 'address'), birthdate, sex };
}
