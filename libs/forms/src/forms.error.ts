import { DomainError } from '@madoguchi/common';

export enum FormsErrorCode {
  UnknownSection = 'UNKNOWN_SECTION',
  InvalidDate = 'INVALID_DATE',
  NotCanonicalizable = 'NOT_CANONICALIZABLE',
}

export class FormsError extends DomainError<FormsErrorCode> {}
