/** Object identifiers used by libs/pki. */
export const Oid = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  /** RFC 5035 id-aa-signingCertificateV2. */
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  /** RFC 2634 id-aa-signingCertificate (SHA-1; accepted for reading only). */
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  extKeyUsage: '2.5.29.37',
  crlReason: '2.5.29.21',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  adOcsp: '1.3.6.1.5.5.7.48.1',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  kpOcspSigning: '1.3.6.1.5.5.7.3.9',
} as const;

/** JPKI.md §4.2: the signing certificate policy; the simulated J-LIS uses the test arc (JPKI-TEST cards). */
export const JPKI_SIGNING_POLICY_OID = '1.2.392.200149.8.5.1.1.20';
export const JPKI_TEST_SIGNING_POLICY_OID = '1.2.392.200149.8.5.1.0.20';

/** JPKI.md §4.2: SAN otherName type ids, arc 1.2.392.200149.8.5.5. */
export const JpkiOtherNameOid = {
  name: '1.2.392.200149.8.5.5.1',
  nameSubstitutes: '1.2.392.200149.8.5.5.2',
  sex: '1.2.392.200149.8.5.5.3',
  birthdate: '1.2.392.200149.8.5.5.4',
  address: '1.2.392.200149.8.5.5.5',
  addressSubstitutes: '1.2.392.200149.8.5.5.6',
} as const;

/** Hash algorithm OIDs → node crypto names. */
export const hashByOid: Record<string, string> = {
  [Oid.sha1]: 'sha1',
  [Oid.sha256]: 'sha256',
  [Oid.sha384]: 'sha384',
  [Oid.sha512]: 'sha512',
};

/** Signature algorithm OIDs (RSA PKCS#1 v1.5) → node crypto hash names. */
export const rsaSignatureHashByOid: Record<string, string> = {
  [Oid.sha256WithRsa]: 'sha256',
  [Oid.sha384WithRsa]: 'sha384',
  [Oid.sha512WithRsa]: 'sha512',
};
