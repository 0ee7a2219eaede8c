import type { ParsedCertificate } from './certificate';

/** RFC 5280 §5.3.1 CRLReason names. */
export const revocationReasonNames: Record<number, string> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'unavailable';

export interface RevocationAttempt {
  source: 'ocsp' | 'crl';
  url?: string;
  outcome: 'used' | 'cached' | 'rejected' | 'unreachable';
  reason: string;
}

export interface RevocationEvidence {
  /** Full OCSPResponse DERs (RFC 6960 §4.2.1), as RFC 5940 id-ri-ocsp-response would carry them. */
  ocspResponses: Buffer[];
  crls: Buffer[];
}

export interface RevocationResult {
  /** `unavailable`: nothing usable could be obtained (verifiers answer INDETERMINATE / TRY_LATER). */
  status: RevocationStatus;
  source?: 'ocsp' | 'crl';
  revokedAt?: Date;
  /** RFC 5280 §5.3.1 name, e.g. `superseded`. */
  reason?: string;
  thisUpdate?: Date;
  nextUpdate?: Date;
  evidence: RevocationEvidence;
  /** What was tried, in order, and why each answer was used or rejected. */
  attempts: RevocationAttempt[];
}

/**
 * Where a verifier learns whether a certificate is revoked; `issuer` is the certificate that issued it. The verifier
 * passes parsed certificates (`.der` holds the bytes); callers may pass DER.
 */
export interface RevocationSource {
  check(
    certificate: Uint8Array | ParsedCertificate,
    issuer: Uint8Array | ParsedCertificate,
  ): Promise<RevocationResult>;
}
