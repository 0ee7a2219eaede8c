import { DomainError } from '@madoguchi/common';

export enum CardErrorCode {
  /** 63Cx: the PIN or password was wrong; details.triesLeft (0 when this attempt blocked it). */
  WrongPin = 'WRONG_PIN',
  /** 6984 (JPKI.md §2: this card uses 6984, not 6983). */
  PinBlocked = 'PIN_BLOCKED',
  /** Rejected by the host before anything was sent (JPKI.md §2 formats). */
  InvalidPinFormat = 'INVALID_PIN_FORMAT',
  /** A host-side argument the card would reject (e.g. a sign input outside 1..245 bytes). */
  InvalidArgument = 'INVALID_ARGUMENT',
  SecurityStatusNotSatisfied = 'SECURITY_STATUS_NOT_SATISFIED',
  FileNotFound = 'FILE_NOT_FOUND',
  WrongLength = 'WRONG_LENGTH',
  WrongData = 'WRONG_DATA',
  WrongP1P2 = 'WRONG_P1P2',
  InsNotSupported = 'INS_NOT_SUPPORTED',
  ClaNotSupported = 'CLA_NOT_SUPPORTED',
  ConditionsNotSatisfied = 'CONDITIONS_NOT_SATISFIED',
  NoEfSelected = 'NO_EF_SELECTED',
  EndOfFile = 'END_OF_FILE',
  /** A command APDU that cannot be decoded (ISO 7816-4 §5.1 length rules). */
  MalformedApdu = 'MALFORMED_APDU',
  /** The card answered 9000 but the content does not parse (certificate header, basic-four TLV). */
  MalformedData = 'MALFORMED_DATA',
  /** Card removed, reader gone, time-out, or a response shorter than a status word. */
  Transport = 'TRANSPORT',
  UnexpectedStatus = 'UNEXPECTED_STATUS',
}

export interface CardErrorDetails extends Record<string, unknown> {
  sw?: number;
  triesLeft?: number;
  command?: string;
}

export class CardError extends DomainError<CardErrorCode> {
  declare readonly details?: CardErrorDetails;

  constructor(code: CardErrorCode, message: string, details?: CardErrorDetails, cause?: unknown) {
    super(code, message, details);
    if (cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: cause, enumerable: false });
    }
  }

  get sw(): number | undefined {
    return this.details?.sw;
  }

  get triesLeft(): number | undefined {
    return this.details?.triesLeft;
  }
}
