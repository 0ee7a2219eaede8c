import { createHash } from 'node:crypto';
import { fromHex, toHex } from './apdu';
import { encodeBasicFour } from './basic-four';
import { CardErrorCode } from './card.error';
import { CardTransport } from './card-transport';
import { JpkiCard, sha256DigestInfo, SHA256_DIGEST_INFO_PREFIX } from './jpki-card';

const SELECT_JPKI = '00A4040C0AD392F000260100000001';
const SELECT_TEXT = '00A4040C0AD3921000310001010408';

/**
 * A minimal file-serving fake: SELECT answers 9000, READ BINARY serves `files[fid]`, everything else
 * comes from `reply`. The real card behaviour is tested against the virtual card in libs/virtual-card.
 */
class FakeTransport implements CardTransport {
  readonly sent: string[] = [];
  private current = '';
  constructor(
    private readonly files: Record<string, Uint8Array> = {},
    private readonly reply: (command: string) => string | Error = () => '9000',
  ) {}

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const command = toHex(apdu);
    this.sent.push(command);
    if (command.startsWith('00A4020C02')) {
      this.current = command.slice(10);
    }
    if (command.startsWith('00B0') && this.files[this.current]) {
      const file = this.files[this.current];
      const offset = (apdu[2] << 8) | apdu[3];
      const le = apdu[4] === 0 ? 256 : apdu[4];
      const data = file.subarray(offset, offset + le);
      const sw = data.length < le ? '6282' : '9000';
      return Promise.resolve(fromHex(toHex(data) + sw));
    }
    const answer = this.reply(command);
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(fromHex(answer));
  }
}

function fakeCertificate(totalLength: number): Buffer {
  const body = Buffer.alloc(totalLength - 4, 0x5a);
  return Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
}

describe('JpkiCard', () => {
  it.each(['abc', 'abc-123', '12345678901234567', 'パスワード123', ''])(
    'refuses the signing password %j before sending anything',
    async (password) => {
      const transport = new FakeTransport();
      const sut = new JpkiCard(transport);
      await expect(sut.verifySignPassword(password)).rejects.toMatchObject({
        code: CardErrorCode.InvalidPinFormat,
      });
      expect(transport.sent).toEqual([]);
    },
  );

  it.each(['123', '12345', '12a4', '１２３４'])(
    'refuses the 4-digit PIN %j before sending',
    async (pin) => {
      const transport = new FakeTransport();
      const sut = new JpkiCard(transport);
      await expect(sut.verifyAuthPin(pin)).rejects.toMatchObject({
        code: CardErrorCode.InvalidPinFormat,
      });
      await expect(sut.verifyTextPin(pin)).rejects.toMatchObject({
        code: CardErrorCode.InvalidPinFormat,
      });
      expect(transport.sent).toEqual([]);
    },
  );

  it('upper-cases the signing password and sends JPKI.md §1.2 bytes', async () => {
    const transport = new FakeTransport();
    const sut = new JpkiCard(transport);
    await sut.verifySignPassword('abc123');
    expect(transport.sent).toEqual([SELECT_JPKI, '00A4020C02001B', '0020008006414243313233']);
  });

  it('reports WRONG_PIN with the tries left and PIN_BLOCKED', async () => {
    const answers = ['63C2', '6984'];
    const transport = new FakeTransport({}, (c) =>
      c.startsWith('0020') ? answers.shift()! : '9000',
    );
    const sut = new JpkiCard(transport);
    await expect(sut.verifyAuthPin('1111')).rejects.toMatchObject({
      code: CardErrorCode.WrongPin,
      details: { triesLeft: 2 },
    });
    await expect(sut.verifyAuthPin('1111')).rejects.toMatchObject({
      code: CardErrorCode.PinBlocked,
    });
  });

  it('never resends a VERIFY after a transport error, and reselects the AP afterwards', async () => {
    let isBroken = true;
    const transport = new FakeTransport({}, (c) =>
      c.startsWith('0020') && isBroken ? new Error('reader gone') : '9000',
    );
    const sut = new JpkiCard(transport);
    await expect(sut.verifySignPassword('ABC123')).rejects.toMatchObject({
      code: CardErrorCode.Transport,
    });
    expect(transport.sent.filter((c) => c.startsWith('0020'))).toHaveLength(1);
    isBroken = false;
    transport.sent.length = 0;
    await sut.verifySignPassword('ABC123');
    expect(transport.sent[0]).toBe(SELECT_JPKI);
  });

  it.each([
    ['63C3', 3],
    ['63C0', 0],
    ['6984', 0],
    ['9000', 5],
  ])('reads tries left from an empty VERIFY answered %s', async (sw, expected) => {
    const transport = new FakeTransport({}, (c) => (c === '00200080' ? sw : '9000'));
    const sut = new JpkiCard(transport);
    await expect(sut.signPasswordTriesLeft()).resolves.toBe(expected);
    expect(transport.sent).toEqual([SELECT_JPKI, '00A4020C02001B', '00200080']);
  });

  it('reads a certificate in short chunks from its DER length and trims the filler', async () => {
    const cert = fakeCertificate(0x0515);
    const transport = new FakeTransport({
      '000A': Buffer.concat([cert, Buffer.alloc(700, 0xff)]),
    });
    const sut = new JpkiCard(transport);
    const read = await sut.readAuthCertificate();
    expect(read.equals(cert)).toBe(true);
    expect(transport.sent).toEqual([
      SELECT_JPKI,
      '00A4020C02000A',
      '00B0000000',
      '00B0010000',
      '00B0020000',
      '00B0030000',
      '00B0040000',
      '00B0050015',
    ]);
  });

  it('reads an EF shorter than 256 bytes that ends with 6282', async () => {
    const cert = fakeCertificate(100);
    const sut = new JpkiCard(new FakeTransport({ '0002': cert }));
    await expect(sut.readSigningCaCertificate()).resolves.toEqual(cert);
  });

  it('stops at the 15-bit offset limit', async () => {
    const huge = fakeCertificate(0x9000);
    const transport = new FakeTransport({ '000B': huge });
    const sut = new JpkiCard(transport);
    await expect(sut.readAuthCaCertificate()).rejects.toMatchObject({
      code: CardErrorCode.MalformedData,
    });
    const offsets = transport.sent
      .filter((c) => c.startsWith('00B0'))
      .map((c) => parseInt(c.slice(4, 8), 16));
    expect(Math.max(...offsets)).toBeLessThanOrEqual(0x7fff);
  });

  it('refuses an EF of filler as a certificate', async () => {
    const sut = new JpkiCard(new FakeTransport({ '0001': Buffer.alloc(300, 0xff) }));
    await expect(sut.readSigningCertificate()).rejects.toMatchObject({
      code: CardErrorCode.MalformedData,
    });
  });

  it('maps a refused read to a typed error', async () => {
    const transport = new FakeTransport({}, (c) => (c.startsWith('00B0') ? '6982' : '9000'));
    const sut = new JpkiCard(transport);
    await expect(sut.readSigningCertificate()).rejects.toMatchObject({
      code: CardErrorCode.SecurityStatusNotSatisfied,
    });
  });

  it('signs with 80 2A 00 80 after selecting the key EF (JPKI.md §1.2)', async () => {
    const digestInfo = sha256DigestInfo(createHash('sha256').update('申請書').digest());
    const signature = 'AB'.repeat(256);
    const transport = new FakeTransport({}, (c) =>
      c.startsWith('802A') ? signature + '9000' : '9000',
    );
    const sut = new JpkiCard(transport);
    const result = await sut.signWithSigningKey(digestInfo);
    expect(toHex(result)).toBe(signature);
    expect(transport.sent).toEqual([
      SELECT_JPKI,
      '00A4020C02001A',
      '802A008033' + toHex(digestInfo) + '00',
    ]);
    transport.sent.length = 0;
    await sut.signWithAuthKey(digestInfo);
    expect(transport.sent[0]).toBe('00A4020C020017');
  });

  it('refuses a sign input the card cannot pad, without sending', async () => {
    const transport = new FakeTransport();
    const sut = new JpkiCard(transport);
    await expect(sut.signWithSigningKey(new Uint8Array(246))).rejects.toMatchObject({
      code: CardErrorCode.InvalidArgument,
    });
    await expect(sut.signWithSigningKey(new Uint8Array(0))).rejects.toMatchObject({
      code: CardErrorCode.InvalidArgument,
    });
    expect(transport.sent).toEqual([]);
  });

  it('reads and parses the basic four from the card-input-helper AP', async () => {
    const details = {
      name: '窓口　太郎',
      address: '大阪府大阪市北区１番地',
      birthdate: '19800217',
      sex: '1',
    } as const;
    const transport = new FakeTransport({
      '0002': Buffer.concat([encodeBasicFour(details), Buffer.alloc(200, 0xff)]),
    });
    const sut = new JpkiCard(transport);
    await sut.verifyTextPin('1234');
    await expect(sut.readBasicFour()).resolves.toEqual(details);
    expect(transport.sent.slice(0, 3)).toEqual([
      SELECT_TEXT,
      '00A4020C020011',
      '002000800431323334',
    ]);
    expect(transport.sent[3]).toBe('00A4020C020002');
  });

  it('has no operation that reads the individual number', () => {
    const methods = Object.getOwnPropertyNames(JpkiCard.prototype);
    expect(methods).toContain('readBasicFour');
    expect(methods.filter((m) => /number|kojin|individual/i.test(m))).toEqual([]);
  });
});

describe('sha256DigestInfo', () => {
  it('prefixes the JPKI.md §1.2 DER header to a 32-byte hash', () => {
    const hash = createHash('sha256').update('x').digest();
    const sut = sha256DigestInfo(hash);
    expect(sut).toHaveLength(51);
    expect(toHex(sut.subarray(0, 19))).toBe('3031300D060960864801650304020105000420');
    expect(toHex(SHA256_DIGEST_INFO_PREFIX)).toBe('3031300D060960864801650304020105000420');
    expect(sut.subarray(19).equals(hash)).toBe(true);
  });

  it('refuses a hash that is not 32 bytes', () => {
    expect(() => sha256DigestInfo(new Uint8Array(20))).toThrow(
      expect.objectContaining({ code: CardErrorCode.InvalidArgument }),
    );
  });
});
