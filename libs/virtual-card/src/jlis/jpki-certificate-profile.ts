import { DomainError } from '@madoguchi/common';
import { der, JpkiOtherNameOid, PkiError, PkiErrorCode } from '@madoguchi/pki';
import { certificateParts, GeneralName, generalNames, Oid } from './x509';

const { children, decodeOid, decodeOtherNames, decodeTime, expectTag, integerHex, Tag } = der;
type DerNode = der.DerNode;

export { JpkiOtherNameOid };

/** JPKI.md §4.2/§4.3: the real policies are ...8.5.1.1.20 (signing) and ...8.5.1.3.30 (authentication). */
export const JpkiPolicyOid = {
  testSigning: '1.2.392.200149.8.5.1.0.20',
  signing: '1.2.392.200149.8.5.1.1.20',
  authentication: '1.2.392.200149.8.5.1.3.30',
} as const;

export type Sex = '1' | '2' | '9';

export interface BasicFour {
  /** 氏名: surname, U+3000, given name. */
  name: string;
  address: string;
  /** Gregorian YYYYMMDD. */
  birthdate: string;
  /** The card-input-helper AP's code (JPKI.md §3.1): 1 male, 2 female, 9 not applicable. */
  sex: Sex;
}

export enum JpkiProfileErrorCode {
  NotACertificate = 'JPKI_PROFILE_NOT_A_CERTIFICATE',
  NotASigningCertificate = 'JPKI_PROFILE_NOT_A_SIGNING_CERTIFICATE',
  BadValue = 'JPKI_PROFILE_BAD_VALUE',
}
export class JpkiProfileError extends DomainError<JpkiProfileErrorCode> {}

const eraStarts: ReadonlyArray<readonly [string, number]> = [
  ['20190501', 5], // 令和
  ['19890108', 4], // 平成
  ['19261225', 3], // 昭和
  ['19120730', 2], // 大正
  ['18681023', 1], // 明治
];

/** JPKI.md §4.2: era code E of `EYYYYMMDD`, computed from the Gregorian date (1 明治 … 5 令和). */
export function eraCode(birthdate: string): number {
  assertBirthdate(birthdate);
  const era = eraStarts.find(([start]) => birthdate >= start);
  if (!era) {
    throw new JpkiProfileError(JpkiProfileErrorCode.BadValue, 'birth date before the Meiji era');
  }
  return era[1];
}

export function assertBirthdate(birthdate: string): void {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(birthdate);
  const date = match ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3])) : undefined;
  if (
    !match ||
    !date ||
    date.getUTCFullYear() !== +match[1] ||
    date.getUTCMonth() !== +match[2] - 1 ||
    date.getUTCDate() !== +match[3]
  ) {
    throw new JpkiProfileError(JpkiProfileErrorCode.BadValue, 'birth date must be a real YYYYMMDD');
  }
}

const JST_OFFSET_MS = 9 * 3600_000;

/**
 * JPKI.md §4.2: validity ends on the holder's 5th birthday after issuance, at 23:59:59 JST (14:59:59Z, as J-LIS's
 * own CA certificates end). "After" is strict: issued on a birthday, that birthday does not count. A 29 February
 * birthday falls on 28 February in common years (the rule of 年齢計算ニ関スル法律 and Civil Code art. 143: the age
 * is reached as 28 February ends).
 */
export function fifthBirthdayAfter(issuedAt: Date, birthdate: string): Date {
  assertBirthdate(birthdate);
  const month = +birthdate.slice(4, 6);
  const day = +birthdate.slice(6, 8);
  const issuedJst = new Date(issuedAt.getTime() + JST_OFFSET_MS);
  const issueKey = issuedJst.toISOString().slice(0, 10).replace(/-/g, '');
  const birthdayIn = (year: number): string => {
    const isLeap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const d = month === 2 && day === 29 && !isLeap ? 28 : day;
    return `${year}${String(month).padStart(2, '0')}${String(d).padStart(2, '0')}`;
  };
  let year = issuedJst.getUTCFullYear();
  if (birthdayIn(year) <= issueKey) {
    year++;
  }
  const fifth = birthdayIn(year + 4);
  return new Date(
    Date.UTC(+fifth.slice(0, 4), +fifth.slice(4, 6) - 1, +fifth.slice(6, 8), 23, 59, 59) -
      JST_OFFSET_MS,
  );
}

/**
 * JPKI.md §4.2: the certificate's sex code is 1 male, 2 female, 3 unknown (a secondary source); the card's
 * "9 not applicable" is written as 3 and read back as 9.
 */
const sexToCertificate: Record<Sex, string> = { '1': '1', '2': '2', '9': '3' };
const sexFromCertificate: Record<string, Sex> = { '1': '1', '2': '2', '3': '9', '9': '9' };

/** The six otherNames in the order J-LIS writes them: .1, .4, .3, .5, .2, .6 (JPKI.md §4.2). */
export function encodeBasicFourSubjectAltName(details: BasicFour): Buffer {
  assertBasicFour(details);
  // Substitute-character maps: one '0' per character, since we never substitute (JPKI.md §4.2, .2/.6).
  const substitutes = (value: string): string => '0'.repeat([...value].length);
  return generalNames(
    GeneralName.otherNameUtf8(JpkiOtherNameOid.name, details.name),
    GeneralName.otherNameUtf8(
      JpkiOtherNameOid.birthdate,
      `${eraCode(details.birthdate)}${details.birthdate}`,
    ),
    GeneralName.otherNameUtf8(JpkiOtherNameOid.sex, sexToCertificate[details.sex]),
    GeneralName.otherNameUtf8(JpkiOtherNameOid.address, details.address),
    GeneralName.otherNameUtf8(JpkiOtherNameOid.nameSubstitutes, substitutes(details.name)),
    GeneralName.otherNameUtf8(JpkiOtherNameOid.addressSubstitutes, substitutes(details.address)),
  );
}

export function assertBasicFour(details: BasicFour): void {
  // eslint-disable-next-line no-control-regex
  const hasControl = (s: string): boolean => /[\u0000-\u001f\u007f]/.test(s);
  if (!details.name.trim() || hasControl(details.name) || [...details.name].length > 100) {
    throw new JpkiProfileError(
      JpkiProfileErrorCode.BadValue,
      'name must be 1–100 printable characters',
    );
  }
  if (!details.address.trim() || hasControl(details.address) || [...details.address].length > 200) {
    throw new JpkiProfileError(
      JpkiProfileErrorCode.BadValue,
      'address must be 1–200 printable characters (JPKI.md §4.2)',
    );
  }
  if (!(details.sex in sexToCertificate)) {
    throw new JpkiProfileError(JpkiProfileErrorCode.BadValue, 'sex must be 1, 2 or 9');
  }
  eraCode(details.birthdate);
}

export interface JpkiSigningCertificateDetails extends BasicFour {
  /** Upper-case hex, no leading zero octets. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** RFC 4514-like, in certificate order: `C=JP, O=…, OU=…`. */
  issuer: string;
  subject: string;
  /** Era code of `EYYYYMMDD` as written (0 unknown … 5 令和). */
  birthEra: number;
  /** True when either substitute-character map marks a replaced character (外字 replaced by J-LIS). */
  hasSubstituteCharacters: boolean;
}

const attributeLabels: Record<string, string> = {
  [Oid.countryName]: 'C',
  [Oid.organizationName]: 'O',
  [Oid.organizationalUnitName]: 'OU',
  [Oid.localityName]: 'L',
  [Oid.commonName]: 'CN',
};

/** Formats a Name as `C=JP, O=…` (certificate order, not RFC 4514's reversed order). */
export function decodeName(name: DerNode): string {
  return children(expectTag(name, Tag.Sequence, 'Name'))
    .flatMap((rdn) => children(expectTag(rdn, Tag.Set, 'RDN')))
    .map((atv) => {
      const [type, value] = children(expectTag(atv, Tag.Sequence, 'AttributeTypeAndValue'));
      const typeOid = decodeOid(expectTag(type, Tag.Oid, 'attribute type').content);
      return `${attributeLabels[typeOid] ?? typeOid}=${value.content.toString(value.tag === Tag.Utf8String ? 'utf8' : 'latin1')}`;
    })
    .join(', ');
}

/** Extensions of a certificate as oid → { critical, value (the OCTET STRING content) }. */
export function certificateExtensions(
  der: Buffer,
): Map<string, { isCritical: boolean; value: Buffer }> {
  const { extensions } = certificateParts(der);
  const out = new Map<string, { isCritical: boolean; value: Buffer }>();
  if (!extensions) {
    return out;
  }
  const [list] = children(extensions);
  for (const ext of children(expectTag(list, Tag.Sequence, 'Extensions'))) {
    const parts = children(expectTag(ext, Tag.Sequence, 'Extension'));
    const extOid = decodeOid(expectTag(parts[0], Tag.Oid, 'extnID').content);
    const isCritical = parts[1]?.tag === Tag.Boolean && parts[1].content[0] !== 0;
    const value = expectTag(parts[parts.length - 1], Tag.OctetString, 'extnValue').content;
    out.set(extOid, { isCritical, value });
  }
  return out;
}

/**
 * Reads the basic four details J-LIS certified into a signing certificate (JPKI.md §4.2). Checks the structure and
 * the value formats only: whether the certificate is trustworthy is the verifier's business.
 */
export function parseJpkiSigningCertificate(der: Buffer): JpkiSigningCertificateDetails {
  let parts: ReturnType<typeof certificateParts>;
  let extensions: ReturnType<typeof certificateExtensions>;
  try {
    parts = certificateParts(der);
    extensions = certificateExtensions(der);
  } catch (error) {
    if (error instanceof PkiError && error.code === PkiErrorCode.Malformed) {
      throw new JpkiProfileError(JpkiProfileErrorCode.NotACertificate, error.message);
    }
    throw error;
  }
  const san = extensions.get(Oid.subjectAltName);
  let otherNames: Map<string, string>;
  try {
    otherNames = san ? decodeOtherNames(san.value) : new Map<string, string>();
  } catch (error) {
    if (error instanceof PkiError && error.code === PkiErrorCode.Malformed) {
      throw new JpkiProfileError(JpkiProfileErrorCode.BadValue, `subjectAltName: ${error.message}`);
    }
    throw error;
  }
  const get = (key: keyof typeof JpkiOtherNameOid): string => {
    const value = otherNames.get(JpkiOtherNameOid[key]);
    if (value === undefined) {
      throw new JpkiProfileError(
        JpkiProfileErrorCode.NotASigningCertificate,
        `no ${key} otherName (${JpkiOtherNameOid[key]}) in subjectAltName`,
      );
    }
    return value;
  };
  const birth = get('birthdate');
  if (!/^[0-5]\d{8}$/.test(birth)) {
    throw new JpkiProfileError(
      JpkiProfileErrorCode.BadValue,
      `birth date ${birth} is not EYYYYMMDD`,
    );
  }
  const sex = sexFromCertificate[get('sex')];
  if (!sex) {
    throw new JpkiProfileError(JpkiProfileErrorCode.BadValue, 'unknown sex code');
  }
  const isSubstituted = (key: 'nameSubstitutes' | 'addressSubstitutes'): boolean =>
    (otherNames.get(JpkiOtherNameOid[key]) ?? '').includes('1');
  const [notBefore, notAfter] = children(parts.validity).map(decodeTime);
  return {
    name: get('name'),
    address: get('address'),
    birthdate: birth.slice(1),
    sex,
    serial: integerHex(parts.serial),
    notBefore,
    notAfter,
    issuer: decodeName(parts.issuer),
    subject: decodeName(parts.subject),
    birthEra: +birth[0],
    hasSubstituteCharacters:
      isSubstituted('nameSubstitutes') || isSubstituted('addressSubstitutes'),
  };
}

/** Romanised prefectures, in the style of the localities J-LIS writes (`Kiyose-shi`, JPKI.md §4.2). */
const prefectures: ReadonlyArray<readonly [string, string]> = [
  ['北海道', 'Hokkaido'],
  ['青森県', 'Aomori-ken'],
  ['岩手県', 'Iwate-ken'],
  ['宮城県', 'Miyagi-ken'],
  ['秋田県', 'Akita-ken'],
  ['山形県', 'Yamagata-ken'],
  ['福島県', 'Fukushima-ken'],
  ['茨城県', 'Ibaraki-ken'],
  ['栃木県', 'Tochigi-ken'],
  ['群馬県', 'Gunma-ken'],
  ['埼玉県', 'Saitama-ken'],
  ['千葉県', 'Chiba-ken'],
  ['東京都', 'Tokyo-to'],
  ['神奈川県', 'Kanagawa-ken'],
  ['新潟県', 'Niigata-ken'],
  ['富山県', 'Toyama-ken'],
  ['石川県', 'Ishikawa-ken'],
  ['福井県', 'Fukui-ken'],
  ['山梨県', 'Yamanashi-ken'],
  ['長野県', 'Nagano-ken'],
  ['岐阜県', 'Gifu-ken'],
  ['静岡県', 'Shizuoka-ken'],
  ['愛知県', 'Aichi-ken'],
  ['三重県', 'Mie-ken'],
  ['滋賀県', 'Shiga-ken'],
  ['京都府', 'Kyoto-fu'],
  ['大阪府', 'Osaka-fu'],
  ['兵庫県', 'Hyogo-ken'],
  ['奈良県', 'Nara-ken'],
  ['和歌山県', 'Wakayama-ken'],
  ['鳥取県', 'Tottori-ken'],
  ['島根県', 'Shimane-ken'],
  ['岡山県', 'Okayama-ken'],
  ['広島県', 'Hiroshima-ken'],
  ['山口県', 'Yamaguchi-ken'],
  ['徳島県', 'Tokushima-ken'],
  ['香川県', 'Kagawa-ken'],
  ['愛媛県', 'Ehime-ken'],
  ['高知県', 'Kochi-ken'],
  ['福岡県', 'Fukuoka-ken'],
  ['佐賀県', 'Saga-ken'],
  ['長崎県', 'Nagasaki-ken'],
  ['熊本県', 'Kumamoto-ken'],
  ['大分県', 'Oita-ken'],
  ['宮崎県', 'Miyazaki-ken'],
  ['鹿児島県', 'Kagoshima-ken'],
  ['沖縄県', 'Okinawa-ken'],
];

/** The romanised prefecture the address starts with, or undefined. */
export function romanisedPrefecture(address: string): string | undefined {
  return prefectures.find(([kanji]) => address.startsWith(kanji))?.[1];
}
