import type { BasicFour } from '@madoguchi/jpki';
import { ParsedCertificate } from './certificate';
import { JpkiOtherNameOid } from './oids';
import { PkiError, PkiErrorCode } from './pki.error';

/** The basic four J-LIS certified in a JPKI signing certificate's subjectAltName (JPKI.md §4.2). */
export interface CertifiedBasicFour extends BasicFour {
  /** Era code of `EYYYYMMDD` as written (0 unknown … 5 令和); birthdate is its Gregorian YYYYMMDD. */
  birthEra: number;
  /** True when a substitute-character map marks a character J-LIS replaced (外字). */
  hasSubstituteCharacters: boolean;
}

/** JPKI.md §4.2: 1 male, 2 female, 3 unknown in the certificate; the card's code for "not applicable" is 9. */
const sexFromCertificate: Record<string, BasicFour['sex']> = { '1': '1', '2': '2', '3': '9' };

/**
 * Reads the certified basic four from a JPKI signing certificate. Structure and value formats only: whether the
 * certificate is trustworthy is verifySignature's business. Throws PkiError(Malformed) when they are absent.
 */
export function extractCertifiedBasicFour(
  certificate: Uint8Array | ParsedCertificate,
): CertifiedBasicFour {
  const cert =
    certificate instanceof ParsedCertificate ? certificate : ParsedCertificate.parse(certificate);
  const names = cert.otherNames();
  const get = (key: keyof typeof JpkiOtherNameOid): string => {
    const value = names.get(JpkiOtherNameOid[key]);
    if (value === undefined) {
      throw new PkiError(
        PkiErrorCode.Malformed,
        `not a JPKI signing certificate: no ${key} otherName (${JpkiOtherNameOid[key]})`,
      );
    }
    return value;
  };
  const birth = get('birthdate');
  if (!/^[0-5]\d{8}$/.test(birth)) {
    throw new PkiError(PkiErrorCode.Malformed, `birth date ${birth} is not EYYYYMMDD`);
  }
  const sex = sexFromCertificate[get('sex')];
  if (!sex) {
    throw new PkiError(PkiErrorCode.Malformed, 'unknown sex code in the certificate');
  }
  const isSubstituted = (key: 'nameSubstitutes' | 'addressSubstitutes'): boolean =>
    (names.get(JpkiOtherNameOid[key]) ?? '').includes('1');
  return {
    name: get('name'),
    address: get('address'),
    birthdate: birth.slice(1),
    sex,
    birthEra: +birth[0],
    hasSubstituteCharacters:
      isSubstituted('nameSubstitutes') || isSubstituted('addressSubstitutes'),
  };
}
