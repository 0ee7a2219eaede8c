import { generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  parseJpkiSigningCertificate,
  SimulatedJlis,
  type IssuedCard,
  type Sex,
} from '@madoguchi/virtual-card';
import { KeyUsageBit, ParsedCertificate } from './certificate';
import { extractCertifiedBasicFour } from './certified-basic-four';
import { decodeTime, encodeTime, parseDer } from './der';
import { JPKI_TEST_SIGNING_POLICY_OID } from './oids';
import { PkiError, PkiErrorCode } from './pki.error';

jest.setTimeout(60_000);

const spki = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    format: 'der',
    type: 'spki',
  });

describe('ParsedCertificate and extractCertifiedBasicFour on J-LIS certificates', () => {
  let dir: string;
  let jlis: SimulatedJlis;
  let issued: IssuedCard;

  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'pki-cert-'));
    jlis = await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:4321' });
    issued = await jlis.issueCard({
      name: '窓口　一郎',
      address: '沖縄県那覇市泉崎１丁目２番２号',
      birthdate: '19700101',
      sex: '1',
      signPublicKey: spki(),
      authPublicKey: spki(),
    });
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads the JPKI signing profile: keyUsage, policy, AIA, CRL DP, serial', () => {
    const sut = ParsedCertificate.parse(issued.signCert);

    expect([...sut.keyUsage()!].sort()).toEqual([
      KeyUsageBit.digitalSignature,
      KeyUsageBit.nonRepudiation,
    ]);
    expect(sut.policies()).toEqual([JPKI_TEST_SIGNING_POLICY_OID]);
    expect(sut.ocspUrls()).toEqual(['http://127.0.0.1:4321/ocsp']);
    expect(sut.crlUrls()).toEqual(['http://127.0.0.1:4321/crl/sign.crl']);
    expect(sut.serialHex).toBe(issued.signSerial);
    expect(sut.isCa()).toBe(false);
    expect(sut.isIssuedBy(ParsedCertificate.parse(issued.signCa))).toBe(true);
    expect(sut.isIssuedBy(ParsedCertificate.parse(issued.authCa))).toBe(false);
  });

  it('tells CAs and delegated OCSP responders apart', () => {
    const anchors = jlis.trustAnchors();

    expect(ParsedCertificate.parse(anchors.signCa).isCa()).toBe(true);
    expect(ParsedCertificate.parse(anchors.signOcspResponder).extendedKeyUsage()).toEqual([
      '1.3.6.1.5.5.7.3.9',
    ]);
  });

  it('extracts the same basic four as the J-LIS parser of the same certificate', () => {
    const sut = extractCertifiedBasicFour(issued.signCert);
    const jlisReading = parseJpkiSigningCertificate(issued.signCert);

    expect(sut).toEqual({
      name: jlisReading.name,
      address: jlisReading.address,
      birthdate: jlisReading.birthdate,
      sex: jlisReading.sex,
      birthEra: jlisReading.birthEra,
      hasSubstituteCharacters: jlisReading.hasSubstituteCharacters,
    });
    expect(sut).toMatchObject({ name: '窓口　一郎', birthdate: '19700101', birthEra: 3 });
  });

  it('property: agrees with the J-LIS parser for any holder J-LIS accepts', async () => {
    const keys = { signPublicKey: spki(), authPublicKey: spki() };
    const text = (max: number) =>
      fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: max })
        // eslint-disable-next-line no-control-regex -- J-LIS refuses control characters (assertBasicFour)
        .filter((s) => s.trim().length > 0 && !/[\u0000-\u001f\u007f]/.test(s));
    await fc.assert(
      fc.asyncProperty(
        text(30),
        text(60),
        fc.date({ min: new Date('1900-01-01'), max: new Date('2020-12-31'), noInvalidDate: true }),
        fc.constantFrom<Sex>('1', '2', '9'),
        async (name, address, birth, sex) => {
          const birthdate = birth.toISOString().slice(0, 10).replace(/-/g, '');
          const card = await jlis.issueCard({ name, address, birthdate, sex, ...keys });

          const sut = extractCertifiedBasicFour(card.signCert);

          expect(sut).toMatchObject({ name, address, birthdate, sex });
          expect(sut.birthEra).toBe(parseJpkiSigningCertificate(card.signCert).birthEra);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('refuses the authentication certificate: it carries no personal details (JPKI.md §4.3)', () => {
    expect(() => extractCertifiedBasicFour(issued.authCert)).toThrow(
      expect.objectContaining({ code: PkiErrorCode.Malformed }),
    );
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['garbage', Buffer.from('garbage!')],
    ['truncated', () => issued.signCert.subarray(0, 200)],
    ['an indefinite length', Buffer.from([0x30, 0x80, 0x00, 0x00])],
  ])('%s is a PkiError(Malformed)', (_label, bytes) => {
    const der = typeof bytes === 'function' ? bytes() : bytes;

    expect(() => ParsedCertificate.parse(der)).toThrow(PkiError);
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), and reads both', () => {
    for (const iso of ['1999-12-31T23:59:59Z', '2049-12-31T23:59:59Z', '2050-01-01T00:00:00Z']) {
      const encoded = encodeTime(new Date(iso));

      expect(encoded[0]).toBe(iso.startsWith('2050') ? 0x18 : 0x17);
      expect(decodeTime(parseDer(encoded)).toISOString()).toBe(iso.replace('Z', '.000Z'));
    }
  });
});
