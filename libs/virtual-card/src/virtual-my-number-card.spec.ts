import {
  constants,
  createHash,
  createPublicKey,
  publicDecrypt,
  verify,
  X509Certificate,
} from 'node:crypto';
import { fromHex, sha256DigestInfo, toHex } from '@madoguchi/jpki';
import { createIssuedTestCard, TEST_MY_NUMBER, TEST_SECRETS } from './testing/virtual-card.factory';
import { VirtualMyNumberCard } from './virtual-my-number-card';

// RSA-2048 key generation (the card's and, once per process, the simulated J-LIS's) is slow on CI.
jest.setTimeout(60_000);

const ascii = (s: string) => Buffer.from(s, 'ascii').toString('hex').toUpperCase();
const lc = (hex: string) => (hex.length / 2).toString(16).toUpperCase().padStart(2, '0');
const withData = (header: string, data: string) => header + lc(data) + data;

const SELECT_JPKI = '00A4040C0AD392F000260100000001';
const SELECT_TEXT = '00A4040C0AD3921000310001010408';
const SELECT_VISUAL = '00A4040C0AD3921000310001010402';
const selectEf = (fid: string) => `00A4020C02${fid}`;
const VERIFY_EMPTY = '00200080';
const verifyWith = (pin: string) => withData('00200080', ascii(pin));
const DIGEST_INFO = toHex(sha256DigestInfo(createHash('sha256').update('申請データ').digest()));
const SIGN = withData('802A0080', DIGEST_INFO) + '00';

function send(card: VirtualMyNumberCard, hex: string): { data: string; sw: string } {
  const response = toHex(card.transmit(fromHex(hex)));
  return { data: response.slice(0, -4), sw: response.slice(-4) };
}

function sw(card: VirtualMyNumberCard, ...commands: string[]): string[] {
  return commands.map((c) => send(card, c).sw);
}

describe('VirtualMyNumberCard at the APDU level', () => {
  let sut: VirtualMyNumberCard;
  let issued: Awaited<ReturnType<typeof createIssuedTestCard>>['issued'];

  beforeAll(async () => {
    ({ card: sut, issued } = await createIssuedTestCard());
  });

  beforeEach(() => sut.reset());

  it('has the JPKI contact ATR (JPKI.md §1.4) and answers GET DATA 5F51 with it', () => {
    expect(toHex(sut.atr)).toBe('3BE000FF8131FE4514');
    let xor = 0;
    sut.atr.slice(1).forEach((b) => (xor ^= b));
    expect(xor).toBe(0); // TCK
    expect(send(sut, '00CA5F5100')).toEqual({ data: 'E000FF8131FE4514', sw: '9000' });
    expect(sw(sut, '00CA010100')).toEqual(['6A88']);
  });

  describe('SELECT', () => {
    it('selects the three APs by DF name with P2=0C or 00', () => {
      expect(sw(sut, SELECT_JPKI, SELECT_TEXT, SELECT_VISUAL)).toEqual(['9000', '9000', '9000']);
      expect(sw(sut, '00A404000AD392F000260100000001')).toEqual(['9000']);
    });

    it.each([
      '00A4040007627601FF000000', // coolkey
      '00A4040006A00000000101', // muscle
      '00A404000BE82B0601040181C31F020100', // sc-hsm
      '00A4040C0FD23300000045737445494420763335', // mcrd
      '00A4040009A0000003080000100000', // PIV
      '00A4040C07A000000116DB0000', // cac
      '00A4040006D2760001240100', // openpgp
      '00A4040C0AD392F000260100000002', // one byte off
      '00A4040C09D392F0002601000000', // a prefix of the JPKI AID
    ])('answers 6A82 to the unknown AID %s (CARD-MIDDLEWARE.md §3.2)', (command) => {
      expect(sw(sut, command)).toEqual(['6A82']);
    });

    it('answers 6700 to an AID of the wrong length and 6A86 to bad P1/P2', () => {
      expect(sw(sut, '00A4040C', withData('00A4040C', '00'.repeat(17)))).toEqual(['6700', '6700']);
      expect(sw(sut, '00A4040402D392', '00A4080C02D392')).toEqual(['6A86', '6A86']);
    });

    it('selects EFs of the current AP and answers 6A82 for others', () => {
      expect(sw(sut, selectEf('001B'))).toEqual(['6A82']); // no AP yet
      expect(sw(sut, SELECT_JPKI, selectEf('001B'), selectEf('000A'))).toEqual([
        '9000',
        '9000',
        '9000',
      ]);
      expect(sw(sut, selectEf('0003'), selectEf('0011'), selectEf('3F00'))).toEqual([
        '6A82',
        '6A82',
        '6A82',
      ]);
      expect(sw(sut, '00A4020C03001B00', '00A4020C')).toEqual(['6700', '6700']);
      expect(sw(sut, SELECT_TEXT, selectEf('0011'), selectEf('001B'))).toEqual([
        '9000',
        '9000',
        '6A82',
      ]);
    });

    it('treats SELECT MF as JPKI.md §6.3 describes', () => {
      expect(sw(sut, '00A40000')).toEqual(['6A86']); // after a cold reset
      expect(sw(sut, SELECT_JPKI, '00A40000', selectEf('000A'))).toEqual(['9000', '9000', '9000']);
      expect(sw(sut, '00A400000' + '23F00')).toEqual(['6A82']);
    });
  });

  describe('VERIFY', () => {
    it('reports tries left on an empty VERIFY without spending one (63Cx)', () => {
      expect(sw(sut, SELECT_JPKI, selectEf('0018'), VERIFY_EMPTY, VERIFY_EMPTY)).toEqual([
        '9000',
        '9000',
        '63C3',
        '63C3',
      ]);
      expect(sw(sut, selectEf('001B'), VERIFY_EMPTY)).toEqual(['9000', '63C5']);
      expect(sw(sut, SELECT_TEXT, selectEf('0011'), VERIFY_EMPTY)).toEqual([
        '9000',
        '9000',
        '63C3',
      ]);
    });

    it('still answers 63Cx to an empty VERIFY after a success (CARD-MIDDLEWARE.md §3.3)', () => {
      expect(
        sw(sut, SELECT_JPKI, selectEf('001B'), verifyWith(TEST_SECRETS.signPassword), VERIFY_EMPTY),
      ).toEqual(['9000', '9000', '9000', '63C5']);
    });

    it('accepts the P2 = 80|SFI form without a SELECT', () => {
      expect(sw(sut, SELECT_JPKI, withData('00200098', ascii(TEST_SECRETS.authPin)))).toEqual([
        '9000',
        '9000',
      ]);
      expect(sw(sut, '0020009B')).toEqual(['63C5']);
      expect(sw(sut, '0020009F')).toEqual(['6A88']);
    });

    it('answers 6986 with no PIN EF selected, 6A86 to bad P1/P2, 6700 to bad lengths', () => {
      expect(sw(sut, VERIFY_EMPTY)).toEqual(['6986']);
      expect(sw(sut, SELECT_JPKI, VERIFY_EMPTY, selectEf('000A'), VERIFY_EMPTY)).toEqual([
        '9000',
        '6986',
        '9000',
        '6986',
      ]);
      expect(sw(sut, selectEf('001B'), '00200180', '00200000', '00200040')).toEqual([
        '9000',
        '6A86',
        '6A86',
        '6A86',
      ]);
      expect(sw(sut, withData('00200080', ascii('A'.repeat(17))), '0020008000')).toEqual([
        '6700',
        '6700',
      ]);
      expect(sw(sut, VERIFY_EMPTY)).toEqual(['63C5']); // none of those spent a try
    });
  });

  describe('READ BINARY', () => {
    it('reads the free EFs of the JPKI AP byte for byte', () => {
      sw(sut, SELECT_JPKI, selectEf('000A'));
      const head = send(sut, '00B0000004');
      expect(head.sw).toBe('9000');
      expect(head.data.slice(0, 4)).toBe('3082');
      expect(parseInt(head.data.slice(4), 16) + 4).toBe(issued.authCert.length);
      let der = '';
      for (let offset = 0; offset < issued.authCert.length; offset += 256) {
        const le = Math.min(256, issued.authCert.length - offset) & 0xff;
        const p1p2 = offset.toString(16).padStart(4, '0');
        const r = send(sut, `00B0${p1p2}${le.toString(16).padStart(2, '0')}`);
        expect(r.sw).toBe('9000');
        der += r.data;
      }
      expect(der).toBe(toHex(issued.authCert));
    });

    it('guards the signing certificate with the signing password (JPKI.md §1.1)', () => {
      expect(sw(sut, SELECT_JPKI, selectEf('0001'), '00B0000004')).toEqual([
        '9000',
        '9000',
        '6982',
      ]);
      sw(sut, selectEf('001B'), verifyWith(TEST_SECRETS.signPassword), selectEf('0001'));
      expect(send(sut, '00B0000004')).toEqual({
        data: toHex(issued.signCert.subarray(0, 4)),
        sw: '9000',
      });
    });

    it('serves the token label (EF 0006) and the certificate presence flags (EF 0008)', () => {
      sw(sut, SELECT_JPKI, selectEf('0006'));
      const label = send(sut, '00B0000020');
      expect(Buffer.from(label.data, 'hex').toString('ascii').trimEnd()).toBe('JPKIAPICCTOKEN2');
      sw(sut, selectEf('0008'));
      expect(send(sut, '00B0000003')).toEqual({ data: '8F8F00', sw: '9000' });
    });

    it('answers 6B00 past the end and 6282 with the rest when Le runs past it', () => {
      sw(sut, SELECT_JPKI, selectEf('0008'));
      expect(send(sut, '00B0000000')).toEqual({ data: '8F8F00', sw: '6282' });
      expect(send(sut, '00B0000100')).toEqual({ data: '8F00', sw: '6282' });
      expect(send(sut, '00B0000201')).toEqual({ data: '00', sw: '9000' });
      expect(sw(sut, '00B0000301', '00B07FFF01')).toEqual(['6B00', '6B00']);
    });

    it('pads certificate EFs with FF filler after the DER', () => {
      sw(sut, SELECT_JPKI, selectEf('000B'));
      const r = send(sut, `00B0${issued.authCa.length.toString(16).padStart(4, '0')}04`);
      expect(r).toEqual({ data: 'FFFFFFFF', sw: '9000' });
    });

    it('reads by SFI (00 B0 8s oo Le) and makes that EF current', () => {
      sw(sut, SELECT_JPKI);
      expect(send(sut, '00B08A0002')).toEqual({ data: '3082', sw: '9000' });
      expect(send(sut, '00B0000002')).toEqual({ data: '3082', sw: '9000' });
      expect(sw(sut, '00B0830002', '00B0A00002')).toEqual(['6A82', '6A86']);
    });

    it('answers 6986 with no EF, 6700 without Le or with data, 6981 on a key or PIN EF', () => {
      expect(sw(sut, '00B0000004')).toEqual(['6986']);
      expect(sw(sut, SELECT_JPKI, '00B0000004')).toEqual(['9000', '6986']);
      expect(sw(sut, selectEf('000A'), '00B00000', '00B000000100')).toEqual([
        '9000',
        '6700',
        '6700',
      ]);
      expect(sw(sut, selectEf('001A'), '00B0000004', selectEf('001B'), '00B0000004')).toEqual([
        '9000',
        '6981',
        '9000',
        '6981',
      ]);
    });

    it('guards the card-input-helper EFs with PIN 0011 (JPKI.md §3.1)', () => {
      expect(sw(sut, SELECT_TEXT, selectEf('0001'), '00B0000000')).toEqual([
        '9000',
        '9000',
        '6982',
      ]);
      expect(sw(sut, selectEf('0002'), '00B0000000')).toEqual(['9000', '6982']);
      sw(sut, selectEf('0011'), verifyWith(TEST_SECRETS.textPin));
      sw(sut, selectEf('0001'));
      // JPKI.md §3.1: FF 10 0C + 12 ASCII digits + FF FF filler, 17 bytes physical.
      expect(send(sut, '00B0000011')).toEqual({
        data: 'FF100C' + ascii(TEST_MY_NUMBER) + 'FFFF',
        sw: '9000',
      });
      sw(sut, selectEf('0002'));
      expect(send(sut, '00B0000003').data.slice(0, 4)).toBe('FF20');
    });
  });

  describe('COMPUTE DIGITAL SIGNATURE', () => {
    it('refuses to sign without VERIFY (6982)', () => {
      expect(sw(sut, SELECT_JPKI, selectEf('001A'), SIGN)).toEqual(['9000', '9000', '6982']);
      expect(sw(sut, selectEf('0017'), SIGN)).toEqual(['9000', '6982']);
    });

    it('signs a DigestInfo with PKCS#1 v1.5 that verifies against the public key and the certificate', () => {
      sw(
        sut,
        SELECT_JPKI,
        selectEf('001B'),
        verifyWith(TEST_SECRETS.signPassword),
        selectEf('001A'),
      );
      const r = send(sut, SIGN);
      expect(r.sw).toBe('9000');
      const signature = Buffer.from(r.data, 'hex');
      expect(signature).toHaveLength(256);
      const data = Buffer.from('申請データ');
      expect(
        verify(
          'sha256',
          data,
          createPublicKey({ key: sut.publicKeys().sign, format: 'der', type: 'spki' }),
          signature,
        ),
      ).toBe(true);
      expect(
        verify('sha256', data, new X509Certificate(issued.signCert).publicKey, signature),
      ).toBe(true);
      expect(
        verify('sha256', data, new X509Certificate(issued.authCert).publicKey, signature),
      ).toBe(false);
    });

    it('pads exactly what it is sent (type 1 over the input)', () => {
      sw(sut, SELECT_JPKI, withData('00200098', ascii(TEST_SECRETS.authPin)));
      const input = 'DEADBEEF';
      const r = send(sut, withData('802A0097', input) + '00');
      expect(r.sw).toBe('9000');
      const recovered = publicDecrypt(
        {
          key: createPublicKey({ key: sut.publicKeys().auth, format: 'der', type: 'spki' }),
          padding: constants.RSA_PKCS1_PADDING,
        },
        Buffer.from(r.data, 'hex'),
      );
      expect(toHex(recovered)).toBe(input);
    });

    it.each([
      ['01', (m: Buffer) => createHash('sha256').update(m).digest()],
      ['02', (m: Buffer) => sha256DigestInfo(createHash('sha256').update(m).digest())],
      ['03', (m: Buffer) => sha256DigestInfo(createHash('sha256').update(m).digest())],
    ])('signs with P1=%s as JPKI.md §1.2 describes', (p1, expected) => {
      const message = Buffer.from('券面事項');
      const input = p1 === '02' ? createHash('sha256').update(message).digest() : message;
      sw(sut, SELECT_JPKI, withData('00200098', ascii(TEST_SECRETS.authPin)), selectEf('0017'));
      const r = send(sut, withData(`802A${p1}80`, toHex(input)) + '00');
      expect(r.sw).toBe('9000');
      const recovered = publicDecrypt(
        {
          key: createPublicKey({ key: sut.publicKeys().auth, format: 'der', type: 'spki' }),
          padding: constants.RSA_PKCS1_PADDING,
        },
        Buffer.from(r.data, 'hex'),
      );
      expect(toHex(recovered)).toBe(toHex(expected(message)));
      expect(sw(sut, withData('802A0280', 'AB'.repeat(31)) + '00')).toEqual(['6700']);
    });

    it('keeps the two keys apart: the signing password does not unlock the auth key', () => {
      expect(
        sw(
          sut,
          SELECT_JPKI,
          selectEf('001B'),
          verifyWith(TEST_SECRETS.signPassword),
          selectEf('0017'),
          SIGN,
        ),
      ).toEqual(['9000', '9000', '9000', '9000', '6982']);
    });

    it('answers 6700 to inputs outside 1..245 bytes, 6A86 to other P1/P2, 6986 without a key EF', () => {
      sw(
        sut,
        SELECT_JPKI,
        selectEf('001B'),
        verifyWith(TEST_SECRETS.signPassword),
        selectEf('001A'),
      );
      expect(
        sw(
          sut,
          withData('802A0080', 'AB'.repeat(246)) + '00',
          withData('802A0080', 'AB'.repeat(245)) + '00',
        ),
      ).toEqual(['6700', '9000']);
      expect(sw(sut, '802A008000', withData('802A0080', DIGEST_INFO) + '10')).toEqual([
        '6700',
        '6700',
      ]);
      expect(
        sw(sut, withData('802A0480', DIGEST_INFO) + '00', withData('802A0000', DIGEST_INFO) + '00'),
      ).toEqual(['6A86', '6A86']);
      expect(sw(sut, selectEf('001B'), SIGN, withData('802A009F', DIGEST_INFO) + '00')).toEqual([
        '9000',
        '6986',
        '6A88',
      ]);
    });
  });

  describe('CHANGE REFERENCE DATA (00 24 01 80)', () => {
    it('needs a VERIFY first, checks the format, and changes the PIN', async () => {
      const { card } = await createIssuedTestCard();
      expect(sw(card, SELECT_JPKI, selectEf('0018'), withData('00240180', ascii('4321')))).toEqual([
        '9000',
        '9000',
        '6982',
      ]);
      expect(sw(card, verifyWith(TEST_SECRETS.authPin))).toEqual(['9000']);
      expect(
        sw(card, withData('00240180', ascii('43a1')), withData('00240080', ascii('4321'))),
      ).toEqual(['6A80', '6A86']);
      expect(sw(card, withData('00240180', ascii('4321')), '00240180')).toEqual(['9000', '6700']);
      card.reset();
      expect(
        sw(
          card,
          SELECT_JPKI,
          selectEf('0018'),
          verifyWith(TEST_SECRETS.authPin),
          verifyWith('4321'),
        ),
      ).toEqual(['9000', '9000', '63C2', '9000']);
    });
  });

  describe('classes, instructions and malformed commands', () => {
    it('answers 6E00 to an unknown CLA and 6D00 to an unknown INS', () => {
      expect(sw(sut, '84A4040C0AD392F000260100000001', 'FF000000')).toEqual(['6E00', '6E00']);
      expect(
        sw(sut, '000E0000', '80A4040C0AD392F000260100000001', '002A9E9A00', '00C0000000'),
      ).toEqual(['6D00', '6D00', '6D00', '6985']);
    });

    it.each(['', '00', '00A4', '00A404', '00A4040C0AD392', '00A4040C02001B00FF', '00B000000000'])(
      'answers 6700 to the malformed command %j',
      (command) => {
        expect(sw(sut, command)).toEqual(['6700']);
      },
    );
  });

  describe('security state', () => {
    it('is cleared when another DF is selected and on reset', () => {
      sw(
        sut,
        SELECT_JPKI,
        selectEf('001B'),
        verifyWith(TEST_SECRETS.signPassword),
        selectEf('001A'),
      );
      expect(sw(sut, SIGN)).toEqual(['9000']);
      expect(sw(sut, SELECT_JPKI, selectEf('001A'), SIGN)).toEqual(['9000', '9000', '9000']); // same DF again
      expect(sw(sut, SELECT_TEXT, SELECT_JPKI, selectEf('001A'), SIGN)).toEqual([
        '9000',
        '9000',
        '9000',
        '6982',
      ]);
      sw(sut, selectEf('001B'), verifyWith(TEST_SECRETS.signPassword));
      sut.reset();
      expect(sw(sut, selectEf('001A'))).toEqual(['6A82']);
      expect(sw(sut, SELECT_JPKI, selectEf('001A'), SIGN)).toEqual(['9000', '9000', '6982']);
      sw(sut, selectEf('001B'), verifyWith(TEST_SECRETS.signPassword));
      sut.powerOn();
      expect(sw(sut, SELECT_JPKI, selectEf('001A'), SIGN)).toEqual(['9000', '9000', '6982']);
    });
  });
});
