import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  encodeBasicFourSubjectAltName,
  eraCode,
  fifthBirthdayAfter,
  JpkiProfileError,
  JpkiProfileErrorCode,
  parseJpkiSigningCertificate,
  romanisedPrefecture,
  type BasicFour,
} from './jpki-certificate-profile';
import { buildCertificate, encodeName, extension, Oid } from './x509';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spki = publicKey.export({ format: 'der', type: 'spki' });

function certificateWith(san: Buffer | undefined): Buffer {
  const name = encodeName([
    ['C', 'JP'],
    ['CN', 'x'],
  ]);
  return buildCertificate(
    {
      serial: Buffer.from('00A1', 'hex'),
      issuer: name,
      subject: name,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2051-01-01T00:00:00Z'),
      publicKey: spki,
      extensions: san ? [extension(Oid.subjectAltName, false, san)] : [],
    },
    privateKey,
  );
}

describe('eraCode', () => {
  it.each([
    ['18900101', 1],
    ['19120729', 1],
    ['19120730', 2],
    ['19261224', 2],
    ['19261225', 3],
    ['19890107', 3],
    ['19890108', 4],
    ['20190430', 4],
    ['20190501', 5],
  ])('%s is era %i', (birthdate, era) => {
    expect(eraCode(birthdate)).toBe(era);
  });

  it('refuses dates that do not exist or precede Meiji', () => {
    expect(() => eraCode('19990229')).toThrow(JpkiProfileError);
    expect(() => eraCode('1990-01-02')).toThrow(JpkiProfileError);
    expect(() => eraCode('18000101')).toThrow(JpkiProfileError);
  });
});

describe('fifthBirthdayAfter', () => {
  it('ends at 23:59:59 JST on the 5th birthday strictly after the issue date', () => {
    expect(fifthBirthdayAfter(new Date('2025-10-27T01:00:00Z'), '19800217').toISOString()).toBe(
      '2030-02-17T14:59:59.000Z',
    );
    // Issued on the birthday itself (JST): that birthday does not count.
    expect(fifthBirthdayAfter(new Date('2025-02-17T03:00:00Z'), '19800217').toISOString()).toBe(
      '2030-02-17T14:59:59.000Z',
    );
    // 16 Feb 23:30 UTC is already 17 Feb in Japan.
    expect(fifthBirthdayAfter(new Date('2025-02-16T23:30:00Z'), '19800217').toISOString()).toBe(
      '2030-02-17T14:59:59.000Z',
    );
    expect(fifthBirthdayAfter(new Date('2025-02-16T03:00:00Z'), '19800217').toISOString()).toBe(
      '2029-02-17T14:59:59.000Z',
    );
  });

  it('puts a 29 February birthday on 28 February in common years', () => {
    expect(fifthBirthdayAfter(new Date('2026-03-01T00:00:00Z'), '20000229').toISOString()).toBe(
      '2031-02-28T14:59:59.000Z',
    );
    expect(fifthBirthdayAfter(new Date('2023-03-01T00:00:00Z'), '20000229').toISOString()).toBe(
      '2028-02-29T14:59:59.000Z',
    );
  });

  it('is always four to five years after issue (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2016-01-01'), max: new Date('2060-01-01'), noInvalidDate: true }),
        fc.date({ min: new Date('1900-01-01'), max: new Date('2015-12-31'), noInvalidDate: true }),
        (issuedAt, birth) => {
          const birthdate = birth.toISOString().slice(0, 10).replace(/-/g, '');
          const years =
            (fifthBirthdayAfter(issuedAt, birthdate).getTime() - issuedAt.getTime()) /
            (365.2425 * 86_400_000);
          return years > 4 - 0.01 && years <= 5 + 0.01;
        },
      ),
    );
  });
});

describe('parseJpkiSigningCertificate', () => {
  const details: BasicFour = {
    name: '髙橋　𠮷子',
    address: '沖縄県那覇市泉崎１丁目２番２号',
    birthdate: '20190501',
    sex: '9',
  };

  it('reads back what was encoded, including characters outside the BMP', () => {
    const sut = parseJpkiSigningCertificate(
      certificateWith(encodeBasicFourSubjectAltName(details)),
    );

    expect(sut).toMatchObject({ ...details, serial: 'A1', birthEra: 5, issuer: 'C=JP, CN=x' });
    expect(sut.notAfter.toISOString()).toBe('2051-01-01T00:00:00.000Z');
  });

  it('round-trips any basic four (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }).filter((s) => s.trim() !== ''),
        fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }).filter((s) => s.trim() !== ''),
        fc.date({ min: new Date('1900-01-01'), max: new Date('2024-12-31'), noInvalidDate: true }),
        fc.constantFrom('1' as const, '2' as const, '9' as const),
        (name, address, birth, sex) => {
          // eslint-disable-next-line no-control-regex
          fc.pre(!/[\u0000-\u001f\u007f]/.test(name + address));
          const four = {
            name,
            address,
            birthdate: birth.toISOString().slice(0, 10).replace(/-/g, ''),
            sex,
          };
          const parsed = parseJpkiSigningCertificate(
            certificateWith(encodeBasicFourSubjectAltName(four)),
          );
          return (
            parsed.name === four.name &&
            parsed.address === four.address &&
            parsed.birthdate === four.birthdate &&
            parsed.sex === four.sex
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('names what is wrong with a certificate that is not a JPKI signing certificate', () => {
    expect(() => parseJpkiSigningCertificate(certificateWith(undefined))).toThrow(
      expect.objectContaining({ code: JpkiProfileErrorCode.NotASigningCertificate }),
    );
    expect(() => parseJpkiSigningCertificate(Buffer.from('not a certificate'))).toThrow(
      expect.objectContaining({ code: JpkiProfileErrorCode.NotACertificate }),
    );
  });

  it('never throws anything but JpkiProfileError on truncated certificates', () => {
    const der = certificateWith(encodeBasicFourSubjectAltName(details));
    for (let length = 0; length < der.length; length += 7) {
      expect(() => parseJpkiSigningCertificate(der.subarray(0, length))).toThrow(JpkiProfileError);
    }
  });
});

describe('romanisedPrefecture', () => {
  it('romanises the prefecture an address starts with', () => {
    expect(romanisedPrefecture('東京都清瀬市中里')).toBe('Tokyo-to');
    expect(romanisedPrefecture('北海道札幌市')).toBe('Hokkaido');
    expect(romanisedPrefecture('京都府京都市')).toBe('Kyoto-fu');
    expect(romanisedPrefecture('清瀬市')).toBeUndefined();
  });
});
