import { DomainError } from '@madoguchi/common';

export enum SignerErrorCode {
  Usage = 'USAGE',
  InvalidUrl = 'INVALID_URL',
  SessionNotFound = 'SESSION_NOT_FOUND',
  /** 410, or status 'expired': the 10-minute token ran out or was already used. */
  SessionExpired = 'SESSION_EXPIRED',
  /** The session is already completed or failed. */
  SessionClosed = 'SESSION_CLOSED',
  Network = 'NETWORK',
  /** The portal answered something outside the signer API contract. */
  PortalProtocol = 'PORTAL_PROTOCOL',
  /** The DigestInfo from the portal is not 51 bytes of DigestInfo(SHA-256): nothing was signed. */
  BadDigestInfo = 'BAD_DIGEST_INFO',
  /** 422 on the signature: invalid signature, revoked certificate, … (portal message shown). */
  SignatureRefused = 'SIGNATURE_REFUSED',
  ReaderNotFound = 'READER_NOT_FOUND',
  CardRemoved = 'CARD_REMOVED',
  CardUnreadable = 'CARD_UNREADABLE',
  VirtualCardFile = 'VIRTUAL_CARD_FILE',
  InvalidPinFormat = 'INVALID_PIN_FORMAT',
  /** details.triesLeft > 0: the resident may run the app again with the same QR code. */
  WrongPin = 'WRONG_PIN',
  PinBlocked = 'PIN_BLOCKED',
  NoTerminal = 'NO_TERMINAL',
  Cancelled = 'CANCELLED',
}

export interface SignerErrorDetails extends Record<string, unknown> {
  triesLeft?: number;
  /** The portal's own resident-facing message (422, other API errors). */
  portalMessage?: { ja: string; en: string };
  portalError?: string;
  status?: number;
  /** Which secret: the card-input-helper PIN or the signing password. */
  pin?: 'text' | 'sign';
}

export class SignerError extends DomainError<SignerErrorCode> {
  declare readonly details?: SignerErrorDetails;

  constructor(
    code: SignerErrorCode,
    message: string,
    details?: SignerErrorDetails,
    cause?: unknown,
  ) {
    super(code, message, details);
    if (cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: cause, enumerable: false });
    }
  }
}
