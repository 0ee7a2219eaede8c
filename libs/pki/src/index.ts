export * from './pki.error';
export { JPKI_SIGNING_POLICY_OID, JPKI_TEST_SIGNING_POLICY_OID, JpkiOtherNameOid } from './oids';
export { ParsedCertificate, KeyUsageBit } from './certificate';
export { extractCertifiedBasicFour, type CertifiedBasicFour } from './certified-basic-four';
export {
  prepareSignature,
  assembleSignature,
  type PrepareSignatureInput,
  type PreparedSignature,
  type AssembleSignatureInput,
} from './cades.signer';
export * from './revocation.source';
export { HttpRevocationSource, type HttpRevocationSourceOptions } from './http-revocation.source';
export {
  verifySignature,
  SignatureVerifier,
  type SignatureVerifierConfig,
  parseCms,
  type VerifySignatureInput,
  type VerificationReport,
  type CheckResult,
  type CheckName,
  type CheckStatus,
  type Indication,
  type SubIndication,
} from './signature.verifier';
export {
  readCertificateFile,
  loadTrustStore,
  fileList,
  type TrustStore,
  type TrustStoreSettings,
} from './trust-store';
export * as der from './der';
