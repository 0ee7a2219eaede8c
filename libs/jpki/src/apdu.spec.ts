import { CommandApdu, fromHex, ResponseApdu, toHex } from './apdu';
import { CardError, CardErrorCode } from './card.error';

describe('CommandApdu', () => {
  const encode = (apdu: CommandApdu, extended = false) => toHex(apdu.encode({ extended }));

  it('encodes the four short cases (ISO 7816-4 §5.1)', () => {
    expect(encode(CommandApdu.of(0x00, 0x20, 0x00, 0x80))).toBe('00200080');
    expect(encode(CommandApdu.of(0x00, 0xb0, 0x00, 0x00, undefined, 4))).toBe('00B0000004');
    expect(encode(CommandApdu.of(0x00, 0xb0, 0x01, 0x00, undefined, 256))).toBe('00B0010000');
    expect(encode(CommandApdu.of(0x00, 0xa4, 0x02, 0x0c, fromHex('001B')))).toBe('00A4020C02001B');
    expect(encode(CommandApdu.of(0x80, 0x2a, 0x00, 0x80, fromHex('0102'), 256))).toBe(
      '802A0080020102' + '00',
    );
  });

  it('reports the case of each command', () => {
    expect(CommandApdu.of(0, 0x20, 0, 0x80).case).toBe(1);
    expect(CommandApdu.of(0, 0xb0, 0, 0, undefined, 1).case).toBe(2);
    expect(CommandApdu.of(0, 0x20, 0, 0x80, fromHex('31')).case).toBe(3);
    expect(CommandApdu.of(0x80, 0x2a, 0, 0x80, fromHex('31'), 256).case).toBe(4);
  });

  it('encodes extended length only when asked', () => {
    const long = CommandApdu.of(0x00, 0xb0, 0x00, 0x00, undefined, 65536);
    expect(encode(long, true)).toBe('00B00000000000');
    expect(() => long.encode()).toThrow(CardError);
    const withData = CommandApdu.of(0x00, 0xd6, 0x00, 0x00, new Uint8Array(300), 300);
    expect(toHex(withData.encode({ extended: true })).slice(0, 14)).toBe('00D60000000' + '12C');
    expect(withData.encode({ extended: true }).length).toBe(4 + 3 + 300 + 2);
  });

  it('rejects fields that are not bytes and Le outside 1..65536', () => {
    expect(() => CommandApdu.of(0x100, 0, 0, 0)).toThrow(CardError);
    expect(() => CommandApdu.of(0, 0, 0, 0, undefined, 0)).toThrow(CardError);
    expect(() => CommandApdu.of(0, 0, 0, 0, undefined, 65537)).toThrow(CardError);
  });

  it.each([
    ['00200080', undefined, undefined, false],
    ['00B0000004', '', 4, false],
    ['00B0000000', '', 256, false],
    ['00A4020C02001B', '001B', undefined, false],
    ['802A00800301020300', '010203', 256, false],
    ['00B00000000000', '', 65536, true],
    ['00B00000000100', '', 256, true],
    ['00D60000000002AABB', 'AABB', undefined, true],
    ['00D60000000002AABB0010', 'AABB', 16, true],
  ])('decodes %s', (hex, data, le, extended) => {
    const sut = CommandApdu.decode(fromHex(hex));
    expect(toHex(sut.data)).toBe(data ?? '');
    expect(sut.le).toBe(le);
    expect(sut.isExtended).toBe(extended);
    if (!extended) {
      expect(toHex(sut.encode())).toBe(hex);
    }
  });

  it.each([
    '',
    '00',
    '00A404',
    '00A4040C0AD392',
    '00A4040C02001B00FF',
    '00B000000000',
    '00D600000000',
  ])('rejects the malformed command %s', (hex) => {
    let caught: unknown;
    try {
      CommandApdu.decode(fromHex(hex));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CardError);
    expect((caught as CardError).code).toBe(CardErrorCode.MalformedApdu);
  });
});

describe('ResponseApdu', () => {
  it('splits data and status word', () => {
    const sut = ResponseApdu.parse(fromHex('3082031590 00'));
    expect(toHex(sut.data)).toBe('30820315');
    expect(sut.sw1).toBe(0x90);
    expect(sut.sw2).toBe(0x00);
    expect(sut.sw).toBe(0x9000);
    expect(sut.isOk).toBe(true);
    expect(toHex(sut.encode())).toBe('308203159000');
  });

  it('treats a response without a status word as a transport failure', () => {
    expect(() => ResponseApdu.parse(fromHex('90'))).toThrow(
      expect.objectContaining({ code: CardErrorCode.Transport }),
    );
  });
});
