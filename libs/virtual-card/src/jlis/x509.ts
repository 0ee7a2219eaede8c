import { createHash, sign, type KeyObject } from 'node:crypto';
import { der } from '@madoguchi/pki';

const {
  bitString,
  children,
  contextTag,
  derNull,
  derTrue,
  encodeTime,
  expectTag,
  ia5String,
  integer,
  octetString,
  oid,
  parseDer,
  printableString,
  sequence,
  setOf,
  Tag,
  utf8String,
} = der;
type DerNode = der.DerNode;

export const Oid = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  countryName: '2.5.4.6',
  localityName: '2.5.4.7',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  cpsQualifier: '1.3.6.1.5.5.7.2.1',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  accessOcsp: '1.3.6.1.5.5.7.48.1',
  accessCaIssuers: '1.3.6.1.5.5.7.48.2',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

export type AttributeKind = 'C' | 'O' | 'OU' | 'L' | 'CN';
export type DistinguishedName = ReadonlyArray<readonly [AttributeKind, string]>;

const attributeOids: Record<AttributeKind, string> = {
  C: Oid.countryName,
  O: Oid.organizationName,
  OU: Oid.organizationalUnitName,
  L: Oid.localityName,
  CN: Oid.commonName,
};

/** One attribute per RDN; C is a PrintableString (RFC 5280 §4.1.2.4), everything else UTF8String (JPKI.md §4.1). */
export function encodeName(dn: DistinguishedName): Buffer {
  return sequence(
    ...dn.map(([kind, value]) =>
      setOf(
        sequence(
          oid(attributeOids[kind]),
          kind === 'C' ? printableString(value) : utf8String(value),
        ),
      ),
    ),
  );
}

export const formatName = (dn: DistinguishedName): string =>
  dn.map(([kind, value]) => `${kind}=${value}`).join(', ');

export const sha256WithRsa = (): Buffer => sequence(oid(Oid.sha256WithRsa), derNull());

export interface Extension {
  oid: string;
  isCritical: boolean;
  value: Buffer;
}

export const extension = (oidValue: string, isCritical: boolean, value: Buffer): Extension => ({
  oid: oidValue,
  isCritical,
  value,
});

export const encodeExtensions = (extensions: readonly Extension[]): Buffer =>
  sequence(
    ...extensions.map((ext) =>
      sequence(oid(ext.oid), ...(ext.isCritical ? [derTrue()] : []), octetString(ext.value)),
    ),
  );

/** RFC 5280 §4.2.1.3 named bits, minimal DER encoding (trailing zero bits dropped). */
export function keyUsage(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) {
    bytes[Math.floor(bit / 8)] |= 0x80 >> (bit % 8);
  }
  return bitString(bytes, 7 - (highest % 8));
}
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export const GeneralName = {
  /** [0] IMPLICIT OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }; the value is a UTF8String here. */
  otherNameUtf8: (typeId: string, value: string): Buffer =>
    contextTag(0, Buffer.concat([oid(typeId), contextTag(0, utf8String(value))])),
  /** [4] directoryName: Name is a CHOICE, so the tag is explicit (RFC 5280 Appendix A.2 note). */
  directoryName: (dn: DistinguishedName): Buffer => contextTag(4, encodeName(dn)),
  uri: (uri: string): Buffer => contextTag(6, Buffer.from(uri, 'ascii'), false),
};

export const generalNames = (...names: Buffer[]): Buffer => sequence(...names);

export const basicConstraintsCa = (): Buffer => sequence(derTrue());
export const subjectKeyIdentifier = (keyId: Buffer): Buffer => octetString(keyId);
export const authorityKeyIdentifier = (keyId: Buffer): Buffer =>
  sequence(contextTag(0, keyId, false));

export function certificatePolicies(policyOid: string, cpsUri: string): Buffer {
  return sequence(
    sequence(oid(policyOid), sequence(sequence(oid(Oid.cpsQualifier), ia5String(cpsUri)))),
  );
}

/** DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } } with one URI. */
export const crlDistributionPoint = (uri: string): Buffer =>
  sequence(sequence(contextTag(0, contextTag(0, GeneralName.uri(uri)))));

export const authorityInfoAccess = (ocspUri: string, caIssuersUri: string): Buffer =>
  sequence(
    sequence(oid(Oid.accessOcsp), GeneralName.uri(ocspUri)),
    sequence(oid(Oid.accessCaIssuers), GeneralName.uri(caIssuersUri)),
  );

export const extendedKeyUsage = (...purposes: string[]): Buffer =>
  sequence(...purposes.map((p) => oid(p)));

/** Signs TBS bytes with sha256WithRSAEncryption and wraps them as Certificate / CertificateList / OCSP basic. */
export function signedStructure(tbs: Buffer, key: KeyObject, trailing: Buffer[] = []): Buffer {
  return sequence(tbs, sha256WithRsa(), bitString(sign('sha256', tbs, key)), ...trailing);
}

export interface CertificateTemplate {
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  publicKey: Buffer;
  extensions: readonly Extension[];
}

export function buildCertificate(template: CertificateTemplate, issuerKey: KeyObject): Buffer {
  const tbs = sequence(
    contextTag(0, integer(2)),
    integer(template.serial),
    sha256WithRsa(),
    template.issuer,
    sequence(encodeTime(template.notBefore), encodeTime(template.notAfter)),
    template.subject,
    template.publicKey,
    contextTag(3, encodeExtensions(template.extensions)),
  );
  return signedStructure(tbs, issuerKey);
}

/** The parts of a certificate the CA needs about its own and issued certificates. */
export interface CertificateParts {
  tbs: DerNode;
  serial: DerNode;
  issuer: DerNode;
  validity: DerNode;
  subject: DerNode;
  spki: DerNode;
  extensions: DerNode | undefined;
}

export function certificateParts(der: Buffer): CertificateParts {
  const [tbs] = children(expectTag(parseDer(der), Tag.Sequence, 'Certificate'));
  const fields = children(expectTag(tbs, Tag.Sequence, 'TBSCertificate'));
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serial, , issuer, validity, subject, spki] = fields.slice(offset);
  const extensions = fields.slice(offset + 6).find((f) => f.tag === 0xa3);
  return {
    tbs,
    serial: expectTag(serial, Tag.Integer, 'serialNumber'),
    issuer: expectTag(issuer, Tag.Sequence, 'issuer'),
    validity: expectTag(validity, Tag.Sequence, 'validity'),
    subject: expectTag(subject, Tag.Sequence, 'subject'),
    spki: expectTag(spki, Tag.Sequence, 'subjectPublicKeyInfo'),
    extensions,
  };
}

/** The subjectPublicKey BIT STRING value without its unused-bits octet (RFC 5280 §4.2.1.2, RFC 6960 §4.1.1). */
export function publicKeyBits(spki: Buffer): Buffer {
  const [, key] = children(expectTag(parseDer(spki), Tag.Sequence, 'SubjectPublicKeyInfo'));
  return expectTag(key, Tag.BitString, 'subjectPublicKey').content.subarray(1);
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
export const keyIdentifier = (spki: Buffer): Buffer =>
  createHash('sha1').update(publicKeyBits(spki)).digest();

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
