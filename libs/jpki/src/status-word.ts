import { CardError, CardErrorCode } from './card.error';

/** Status words used by the JPKI card and its emulator (JPKI.md §2, ISO 7816-4 §5.6). */
export const SW = {
  OK: 0x9000,
  END_OF_FILE_WARNING: 0x6282,
  WRONG_LENGTH: 0x6700,
  INCOMPATIBLE_FILE: 0x6981,
  SECURITY_STATUS_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  /** JPKI.md §2: what this card answers to every VERIFY after blocking. */
  REFERENCE_DATA_BLOCKED: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  NO_EF_SELECTED: 0x6986,
  WRONG_DATA: 0x6a80,
  FILE_NOT_FOUND: 0x6a82,
  WRONG_P1P2: 0x6a86,
  REFERENCED_DATA_NOT_FOUND: 0x6a88,
  WRONG_P1P2_OFFSET: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  UNKNOWN: 0x6f00,
} as const;

/** 63Cx: x tries left (JPKI.md §2). */
export function wrongPinSw(triesLeft: number): number {
  return 0x63c0 | Math.max(0, Math.min(15, triesLeft));
}

export function isWrongPinSw(sw: number): boolean {
  return (sw & 0xfff0) === 0x63c0;
}

export function swHex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * The one mapping from a status word to a typed error. Returns undefined for 9000 (and 61xx / 6Cxx,
 * which the transport layer resolves before anyone sees them).
 */
export function statusWordToError(sw: number, command = 'command'): CardError | undefined {
  const details = { sw, command };
  const at = `${command}: SW ${swHex(sw)}`;
  if (sw === SW.OK || (sw & 0xff00) === 0x6100 || (sw & 0xff00) === 0x6c00) {
    return undefined;
  }
  if (isWrongPinSw(sw)) {
    const triesLeft = sw & 0x0f;
    return new CardError(CardErrorCode.WrongPin, `${at}: wrong PIN, ${triesLeft} tries left`, {
      ...details,
      triesLeft,
    });
  }
  switch (sw) {
    case SW.REFERENCE_DATA_BLOCKED:
    case SW.AUTH_METHOD_BLOCKED:
      return new CardError(CardErrorCode.PinBlocked, `${at}: PIN blocked`, {
        ...details,
        triesLeft: 0,
      });
    case SW.SECURITY_STATUS_NOT_SATISFIED:
      return new CardError(
        CardErrorCode.SecurityStatusNotSatisfied,
        `${at}: security status not satisfied`,
        details,
      );
    case SW.FILE_NOT_FOUND:
    case SW.REFERENCED_DATA_NOT_FOUND:
      return new CardError(CardErrorCode.FileNotFound, `${at}: file not found`, details);
    case SW.WRONG_LENGTH:
      return new CardError(CardErrorCode.WrongLength, `${at}: wrong length`, details);
    case SW.WRONG_DATA:
      return new CardError(CardErrorCode.WrongData, `${at}: wrong data`, details);
    case SW.WRONG_P1P2:
      return new CardError(CardErrorCode.WrongP1P2, `${at}: wrong P1/P2`, details);
    case SW.INS_NOT_SUPPORTED:
      return new CardError(CardErrorCode.InsNotSupported, `${at}: INS not supported`, details);
    case SW.CLA_NOT_SUPPORTED:
      return new CardError(CardErrorCode.ClaNotSupported, `${at}: CLA not supported`, details);
    case SW.CONDITIONS_NOT_SATISFIED:
    case SW.INCOMPATIBLE_FILE:
      return new CardError(
        CardErrorCode.ConditionsNotSatisfied,
        `${at}: conditions of use not satisfied`,
        details,
      );
    case SW.NO_EF_SELECTED:
      return new CardError(CardErrorCode.NoEfSelected, `${at}: no EF selected`, details);
    case SW.WRONG_P1P2_OFFSET:
    case SW.END_OF_FILE_WARNING:
      return new CardError(
        CardErrorCode.EndOfFile,
        `${at}: offset past the end of the file`,
        details,
      );
    default:
      return new CardError(CardErrorCode.UnexpectedStatus, `${at}: unexpected status`, details);
  }
}
