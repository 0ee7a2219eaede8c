import { DomainError } from '@madoguchi/common';

export enum PkiErrorCode {
  /** Not DER, truncated, oversized, or not the structure expected (CMS, certificate, OCSP, CRL). */
  Malformed = 'PKI_MALFORMED',
  /** A CMS that parses but is not what we accept: wrong content type, not detached, not exactly one signer. */
  UnsupportedCms = 'PKI_UNSUPPORTED_CMS',
  /** The signer certificate is not an RSA certificate we can sign for. */
  UnsupportedCertificate = 'PKI_UNSUPPORTED_CERTIFICATE',
  /** Phase 2: the raw signature does not verify over the kept signed attributes with the certificate's key. */
  SignatureMismatch = 'PKI_SIGNATURE_MISMATCH',
  /** Phase 2: the certificate is not the one signing-certificate-v2 of the kept attributes names. */
  CertificateMismatch = 'PKI_CERTIFICATE_MISMATCH',
  InvalidArgument = 'PKI_INVALID_ARGUMENT',
}

export class PkiError extends DomainError<PkiErrorCode> {}
