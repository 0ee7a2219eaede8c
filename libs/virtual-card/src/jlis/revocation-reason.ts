import { JlisError, JlisErrorCode } from './jlis.error';

/**
 * RFC 5280 §5.3.1 CRLReason. A resident's move makes J-LIS revoke the signing certificate (`superseded` here, as
 * its contents are replaced by a new certificate). `removeFromCRL` (delta CRLs) and `certificateHold` (a revocation
 * that can be undone) are not offered: this J-LIS revokes for good.
 */
export const RevocationReasonCode = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type RevocationReason = keyof typeof RevocationReasonCode;

export const revocationReasons = Object.keys(RevocationReasonCode) as RevocationReason[];

export function parseRevocationReason(value: string): RevocationReason {
  if (!(revocationReasons as string[]).includes(value)) {
    throw new JlisError(
      JlisErrorCode.BadReason,
      `unknown revocation reason "${value}"; one of ${revocationReasons.join(', ')}`,
    );
  }
  return value as RevocationReason;
}
