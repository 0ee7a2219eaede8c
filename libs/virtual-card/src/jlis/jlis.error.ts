import { DomainError } from '@madoguchi/common';

export enum JlisErrorCode {
  UnknownSerial = 'JLIS_UNKNOWN_SERIAL',
  AlreadyRevoked = 'JLIS_ALREADY_REVOKED',
  BadSerial = 'JLIS_BAD_SERIAL',
  BadReason = 'JLIS_BAD_REASON',
  BadPublicKey = 'JLIS_BAD_PUBLIC_KEY',
  BadState = 'JLIS_BAD_STATE',
  StateLocked = 'JLIS_STATE_LOCKED',
}
export class JlisError extends DomainError<JlisErrorCode> {}
