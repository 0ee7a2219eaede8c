import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CommandApdu, fromHex, toHex } from '@madoguchi/jpki';
import { createIssuedTestCard, TEST_SECRETS, temporaryDir } from './testing/virtual-card.factory';
import { VirtualMyNumberCard } from './virtual-my-number-card';

// RSA-2048 key generation (the card's and, once per process, the simulated J-LIS's) is slow on CI.
jest.setTimeout(60_000);

// Every SW1 this card can produce (JPKI.md §2, ISO 7816-4 §5.6).
const KNOWN_SW1 = new Set([0x90, 0x62, 0x63, 0x67, 0x69, 0x6a, 0x6b, 0x6d, 0x6e, 0x6f]);

function assertWellFormed(response: Uint8Array): void {
  expect(response.length).toBeGreaterThanOrEqual(2);
  const sw1 = response[response.length - 2];
  expect(KNOWN_SW1.has(sw1)).toBe(true);
  if (response.length > 2) {
    // Only a successful read or signature carries data.
    expect([0x90, 0x62]).toContain(sw1);
  }
  expect(sw1).not.toBe(0x6f); // the card never fails internally on bad input
}

describe('VirtualMyNumberCard under random input (fast-check)', () => {
  let pristine: string;
  let sut: VirtualMyNumberCard;

  beforeAll(async () => {
    const { card } = await createIssuedTestCard();
    pristine = join(temporaryDir(), 'pristine.json');
    card.saveTo(pristine);
  });

  /** A fresh copy of the same card, so each run starts with full counters. */
  function freshCard(): VirtualMyNumberCard {
    const file = join(temporaryDir(), 'run.json');
    copyFileSync(pristine, file);
    return VirtualMyNumberCard.open(file);
  }

  beforeEach(() => {
    sut = freshCard();
  });

  it('answers any byte string with a status word and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        assertWellFormed(sut.transmit(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  const knownCommands = [
    '00A4040C0AD392F000260100000001',
    '00A4020C02000A',
    '00B0000000',
    '00A4020C02001B',
    '00200080',
    '0020008008' + Buffer.from(TEST_SECRETS.signPassword).toString('hex'),
    '00A4020C02001A',
    '802A0080333031300D060960864801650304020105000420' + 'AB'.repeat(32) + '00',
    '00240180' + '06414243313233',
    '00A4040C0AD3921000310001010408',
    '00B08A0000',
    '00CA5F5100',
  ];

  it('answers every truncation of real commands with a status word', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...knownCommands), fc.nat()), { maxLength: 30 }),
        (steps) => {
          for (const [hex, cut] of steps) {
            const full = fromHex(hex);
            assertWellFormed(sut.transmit(full.subarray(0, cut % (full.length + 1))));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers structurally valid commands with random fields (short and extended) with a status word', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x00, 0x80, 0x0c, 0x84, 0xff),
        fc.constantFrom(0xa4, 0x20, 0x24, 0xb0, 0x2a, 0xca, 0xc0, 0x00, 0xd6, 0x88),
        fc.nat(255),
        fc.nat(255),
        fc.uint8Array({ maxLength: 300 }),
        fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
        fc.boolean(),
        (cla, ins, p1, p2, data, le, extended) => {
          const command = new CommandApdu({ cla, ins, p1, p2, data, le });
          const useExtended = extended || !command.fitsShort;
          assertWellFormed(sut.transmit(command.encode({ extended: useExtended })));
        },
      ),
      { numRuns: 2000 },
    );
  });

  type Step =
    | { kind: 'selectAp'; ap: 'jpki' | 'text' | 'unknown' }
    | { kind: 'selectEf'; fid: string }
    | { kind: 'verify'; value: 'empty' | 'right' | 'wrong' }
    | { kind: 'sign' }
    | { kind: 'reset' };

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('selectAp' as const),
      ap: fc.constantFrom('jpki' as const, 'text' as const, 'unknown' as const),
    }),
    fc.record({
      kind: fc.constant('selectEf' as const),
      fid: fc.constantFrom('001B', '001A', '0018', '0017', '0011', '000A', '0003'),
    }),
    fc.record({
      kind: fc.constant('verify' as const),
      value: fc.constantFrom('empty' as const, 'right' as const, 'wrong' as const),
    }),
    fc.record({ kind: fc.constant('sign' as const) }),
    fc.record({ kind: fc.constant('reset' as const) }),
  );

  it('agrees with a model of DF selection, PIN counters and the signing gate', () => {
    const aids = {
      jpki: 'D392F000260100000001',
      text: 'D3921000310001010408',
      unknown: 'A000000003080000',
    };
    const efsOf = { jpki: ['001B', '001A', '0018', '0017', '000A'], text: ['0011'] };
    const pinOf: Record<string, 'sign' | 'auth' | 'text' | undefined> = {
      '001B': 'sign',
      '0018': 'auth',
      '0011': 'text',
    };
    const keyPin: Record<string, 'sign' | 'auth' | undefined> = { '001A': 'sign', '0017': 'auth' };
    const secret = {
      sign: TEST_SECRETS.signPassword,
      auth: TEST_SECRETS.authPin,
      text: TEST_SECRETS.textPin,
    };
    const wrong = { sign: 'WRONG9', auth: '9999', text: '9999' };
    const max = { sign: 5, auth: 3, text: 3 };

    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const card = freshCard();
        let ap: 'jpki' | 'text' | undefined;
        let ef: string | undefined;
        const verified = new Set<string>();
        const tries = { ...max };
        const send = (hex: string) => toHex(card.transmit(fromHex(hex))).slice(-4);
        for (const s of steps) {
          switch (s.kind) {
            case 'reset':
              card.reset();
              ap = undefined;
              ef = undefined;
              verified.clear();
              break;
            case 'selectAp': {
              const r = send(
                '00A4040C' + (aids[s.ap].length / 2).toString(16).padStart(2, '0') + aids[s.ap],
              );
              if (s.ap === 'unknown') {
                expect(r).toBe('6A82');
              } else {
                expect(r).toBe('9000');
                if (ap !== s.ap) {
                  verified.clear();
                }
                ap = s.ap;
                ef = undefined;
              }
              break;
            }
            case 'selectEf': {
              const r = send('00A4020C02' + s.fid);
              const exists = ap !== undefined && efsOf[ap].includes(s.fid);
              expect(r).toBe(exists ? '9000' : '6A82');
              if (exists) {
                ef = s.fid;
              }
              break;
            }
            case 'verify': {
              const pin = ef ? pinOf[ef] : undefined;
              const value =
                s.value === 'empty' || !pin ? '' : s.value === 'right' ? secret[pin] : wrong[pin];
              const hex = Buffer.from(value).toString('hex');
              const r = send(
                '00200080' + (value ? value.length.toString(16).padStart(2, '0') + hex : ''),
              );
              if (!pin) {
                expect(r).toBe('6986');
              } else if (s.value === 'empty') {
                expect(r).toBe('63C' + tries[pin].toString(16).toUpperCase());
              } else if (tries[pin] === 0) {
                expect(r).toBe('6984');
              } else if (s.value === 'right') {
                expect(r).toBe('9000');
                tries[pin] = max[pin];
                verified.add(pin);
              } else {
                tries[pin] -= 1;
                verified.delete(pin);
                expect(r).toBe('63C' + tries[pin].toString(16).toUpperCase());
              }
              break;
            }
            case 'sign': {
              const r = send('802A008001AB00');
              const pin = ef ? keyPin[ef] : undefined;
              expect(r).toBe(!pin ? '6986' : verified.has(pin) ? '9000' : '6982');
              break;
            }
          }
        }
        expect(card.describe().triesLeft).toEqual(tries);
      }),
      { numRuns: 150 },
    );
  });
});
