import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '@madoguchi/jpki';
import {
  createIssuedTestCard,
  TEST_MY_NUMBER,
  TEST_SECRETS,
  temporaryDir,
} from './testing/virtual-card.factory';
import { VirtualCardErrorCode } from './virtual-card.error';
import { VirtualMyNumberCard } from './virtual-my-number-card';

// RSA-2048 key generation (the card's and, once per process, the simulated J-LIS's) is slow on CI.
jest.setTimeout(60_000);

const ascii = (s: string) => Buffer.from(s, 'ascii').toString('hex').toUpperCase();
const verifyWith = (pin: string) =>
  '00200080' + pin.length.toString(16).padStart(2, '0').toUpperCase() + ascii(pin);
const SELECT_JPKI = '00A4040C0AD392F000260100000001';
const SELECT_TEXT = '00A4040C0AD3921000310001010408';

function sw(card: VirtualMyNumberCard, ...commands: string[]): string[] {
  return commands.map((c) => toHex(card.transmit(fromHex(c))).slice(-4));
}

describe('VirtualMyNumberCard PIN counters (JPKI.md §2)', () => {
  it('4 wrong signing passwords then the right one: OK and the counter is reset', async () => {
    const { card: sut } = await createIssuedTestCard();
    sw(sut, SELECT_JPKI, '00A4020C02001B');
    expect(sw(sut, ...Array<string>(4).fill(verifyWith('WRONG1')))).toEqual([
      '63C4',
      '63C3',
      '63C2',
      '63C1',
    ]);
    expect(sw(sut, '00200080')).toEqual(['63C1']);
    expect(sw(sut, verifyWith(TEST_SECRETS.signPassword), '00200080')).toEqual(['9000', '63C5']);
    expect(sut.describe().triesLeft.sign).toBe(5);
  });

  it('5 wrong: blocked (63C0, then 6984), still blocked after reopening the state file', async () => {
    const { card } = await createIssuedTestCard();
    const file = join(temporaryDir(), 'card.json');
    card.saveTo(file);
    sw(card, SELECT_JPKI, '00A4020C02001B');
    expect(sw(card, ...Array<string>(5).fill(verifyWith('WRONG1')))).toEqual([
      '63C4',
      '63C3',
      '63C2',
      '63C1',
      '63C0',
    ]);
    expect(sw(card, verifyWith(TEST_SECRETS.signPassword), '00200080')).toEqual(['6984', '63C0']);

    const sut = VirtualMyNumberCard.open(file);
    expect(sw(sut, SELECT_JPKI, '00A4020C02001B', '00200080')).toEqual(['9000', '9000', '63C0']);
    expect(sw(sut, verifyWith(TEST_SECRETS.signPassword))).toEqual(['6984']);
    // Blocked means the key cannot sign, and the other PINs are untouched.
    expect(sw(sut, '00A4020C02001A', '802A00800101' + '00')).toEqual(['9000', '6982']);
    expect(sw(sut, '00A4020C020018', verifyWith(TEST_SECRETS.authPin))).toEqual(['9000', '9000']);
  });

  it('writes every counter change at once, so a crash after a wrong try keeps it', async () => {
    const { card } = await createIssuedTestCard();
    const file = join(temporaryDir(), 'card.json');
    card.saveTo(file);
    sw(card, SELECT_JPKI, '00A4020C020018', verifyWith('0000'), verifyWith('0000'));
    // No save call: the card object is simply dropped, as if the process died.
    const sut = VirtualMyNumberCard.open(file);
    expect(sw(sut, SELECT_JPKI, '00A4020C020018', '00200080')).toEqual(['9000', '9000', '63C1']);
    expect(sw(sut, verifyWith('0000'), verifyWith(TEST_SECRETS.authPin))).toEqual(['63C0', '6984']);
  });

  it('blocks the auth PIN and the card-input-helper PIN after 3 wrong tries', async () => {
    const { card: sut } = await createIssuedTestCard();
    sw(sut, SELECT_JPKI, '00A4020C020018');
    expect(
      sw(
        sut,
        verifyWith('0000'),
        verifyWith('0000'),
        verifyWith('0000'),
        verifyWith(TEST_SECRETS.authPin),
      ),
    ).toEqual(['63C2', '63C1', '63C0', '6984']);
    sw(sut, SELECT_TEXT, '00A4020C020011');
    expect(
      sw(sut, verifyWith('0000'), verifyWith('0000'), verifyWith(TEST_SECRETS.textPin)),
    ).toEqual(['63C2', '63C1', '9000']);
    expect(sw(sut, '00200080')).toEqual(['63C3']);
  });

  it('compares bytes exactly: a lower-case password is a wrong try (JPKI.md §6.5)', async () => {
    const { card: sut } = await createIssuedTestCard();
    sw(sut, SELECT_JPKI, '00A4020C02001B');
    expect(sw(sut, verifyWith(TEST_SECRETS.signPassword.toLowerCase()))).toEqual(['63C4']);
  });

  it('a wrong try clears an earlier success', async () => {
    const { card: sut } = await createIssuedTestCard();
    sw(
      sut,
      SELECT_JPKI,
      '00A4020C02001B',
      verifyWith(TEST_SECRETS.signPassword),
      verifyWith('WRONG1'),
    );
    expect(sw(sut, '00A4020C02001A', '802A00800101' + '00')).toEqual(['9000', '6982']);
  });
});

describe('VirtualMyNumberCard state file', () => {
  it('round-trips keys, PINs, counters and files; holds no PIN in clear', async () => {
    const { card, issued } = await createIssuedTestCard();
    const file = join(temporaryDir(), 'card.json');
    card.saveTo(file);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(TEST_SECRETS.signPassword);
    expect(text).toContain('PRIVATE KEY');
    const sut = VirtualMyNumberCard.open(file);
    expect(sut.publicKeys()).toEqual(card.publicKeys());
    expect(sut.describe()).toEqual(card.describe());
    expect(sut.describe().certificates.signCert?.serialNumber.toLowerCase()).toBe(
      issued.signSerial.toLowerCase(),
    );
    expect(
      sw(sut, SELECT_TEXT, '00A4020C020011', verifyWith(TEST_SECRETS.textPin), '00A4020C020001'),
    ).toEqual(['9000', '9000', '9000', '9000']);
    expect(toHex(sut.transmit(fromHex('00B0000011')))).toBe(
      `FF100C${ascii(TEST_MY_NUMBER)}FFFF9000`,
    );
  });

  it('describes the card without secrets or the individual number', async () => {
    const { card: sut } = await createIssuedTestCard();
    const text = JSON.stringify(sut.describe());
    expect(text).not.toContain(TEST_MY_NUMBER);
    expect(text).not.toContain(TEST_SECRETS.signPassword);
    expect(text).not.toContain('PRIVATE');
    expect(sut.describe()).toMatchObject({
      isTestCard: true,
      tokenLabel: 'JPKIAPICCTOKEN2',
      basicFour: { sex: '2' },
    });
  });

  it('refuses a file that is not a card state', async () => {
    const dir = temporaryDir();
    (await createIssuedTestCard()).card.saveTo(join(dir, 'good.json'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ format: 'something else' }));
    expect(() => VirtualMyNumberCard.open(file)).toThrow(
      expect.objectContaining({ code: VirtualCardErrorCode.InvalidStateFile }),
    );
    const state = JSON.parse(readFileSync(file.replace('bad.json', 'good.json'), 'utf8')) as {
      keys: { sign: string };
    };
    state.keys.sign = 'not a key';
    writeFileSync(file, JSON.stringify(state));
    expect(() => VirtualMyNumberCard.open(file)).toThrow(
      expect.objectContaining({ code: VirtualCardErrorCode.InvalidStateFile }),
    );
    expect(() => VirtualMyNumberCard.open(join(temporaryDir(), 'missing.json'))).toThrow(
      expect.objectContaining({ code: VirtualCardErrorCode.InvalidStateFile }),
    );
  });

  it.each([
    [{ signPassword: 'abc' }],
    [{ signPassword: 'ABC-123' }],
    [{ authPin: '12345' }],
    [{ textPin: 'abcd' }],
    [{ myNumber: '123456789012' }],
  ])('refuses to create a card with %j', async (override) => {
    await expect(createIssuedTestCard(override)).rejects.toMatchObject({
      code: VirtualCardErrorCode.InvalidParameters,
    });
  });

  it('upper-cases the signing password at creation, as card tools do', async () => {
    const { card: sut } = await createIssuedTestCard({ signPassword: 'mado2026' });
    expect(sw(sut, SELECT_JPKI, '00A4020C02001B', verifyWith('MADO2026'))).toEqual([
      '9000',
      '9000',
      '9000',
    ]);
  });
});
