import fc from 'fast-check';
import { toHex } from './apdu';
import { BasicFour, encodeBasicFour, parseBasicFour, SEX_CODES } from './basic-four';
import { CardErrorCode } from './card.error';

const hanako: BasicFour = {
  name: '窓口　花子',
  address: '東京都千代田区霞が関２丁目１番２号',
  birthdate: '19900102',
  sex: '2',
};

describe('basic four TLV (JPKI.md §3.1)', () => {
  it('round-trips Japanese text', () => {
    const sut = encodeBasicFour(hanako);
    expect(parseBasicFour(sut)).toEqual(hanako);
  });

  it('writes the FF 20 layout with an offset table pointing at DF22..DF25', () => {
    const sut = Buffer.from(encodeBasicFour(hanako));
    expect(toHex(sut.subarray(0, 2))).toBe('FF20');
    // header FF 20 LL (3 bytes) + DF 21 08 + 8 bytes of offsets: DF22 starts at 0x0E.
    expect(toHex(sut.subarray(3, 6))).toBe('DF2108');
    const offsets = [0, 1, 2, 3].map((i) => sut.readUInt16BE(6 + 2 * i));
    expect(offsets[0]).toBe(0x0e);
    expect(offsets.map((o) => toHex(sut.subarray(o, o + 2)))).toEqual([
      'DF22',
      'DF23',
      'DF24',
      'DF25',
    ]);
    expect(sut.subarray(offsets[2] + 3, offsets[2] + 11).toString('ascii')).toBe('19900102');
  });

  it('uses long-form lengths for a long address and still finds every field', () => {
    const long = { ...hanako, address: '北海道'.repeat(70) };
    const sut = Buffer.from(encodeBasicFour(long));
    expect(toHex(sut.subarray(0, 3))).toBe('FF2082');
    // FF 20 82 LL LL, then DF 21 08: the offsets start at byte 8.
    const offsetOfSex = sut.readUInt16BE(8 + 6);
    expect(toHex(sut.subarray(offsetOfSex, offsetOfSex + 2))).toBe('DF25');
    expect(parseBasicFour(sut)).toEqual(long);
  });

  it('ignores filler after the TLV', () => {
    const sut = Buffer.concat([encodeBasicFour(hanako), Buffer.alloc(100, 0xff)]);
    expect(parseBasicFour(sut)).toEqual(hanako);
  });

  it.each([
    ['an EF of filler', Buffer.alloc(32, 0xff)],
    ['a truncated TLV', Buffer.from(encodeBasicFour(hanako)).subarray(0, 20)],
    ['a wrong outer tag', Buffer.from('3003020101', 'hex')],
  ])('rejects %s', (_label, ef) => {
    expect(() => parseBasicFour(ef)).toThrow(
      expect.objectContaining({ code: CardErrorCode.MalformedData }),
    );
  });

  it('refuses to encode a birthdate that is not YYYYMMDD', () => {
    expect(() => encodeBasicFour({ ...hanako, birthdate: '1990-01-02' })).toThrow(
      expect.objectContaining({ code: CardErrorCode.InvalidArgument }),
    );
  });

  it('round-trips any text (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
        fc.date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.constantFrom(...SEX_CODES),
        (name, address, date, sex) => {
          const birthdate = date.toISOString().slice(0, 10).replace(/-/g, '');
          const details: BasicFour = { name, address, birthdate, sex };
          expect(parseBasicFour(encodeBasicFour(details))).toEqual(details);
        },
      ),
    );
  });
});
