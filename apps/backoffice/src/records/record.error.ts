import { DomainError } from '@madoguchi/common';

export enum RecordErrorCode {
  NotFound = 'RECORD_NOT_FOUND',
  FileNotFound = 'RECORD_FILE_NOT_FOUND',
  /** the application's form definition is not loaded: its 保存期間 is unknown, so no record can be made */
  FormUnknown = 'RECORD_FORM_UNKNOWN',
  UnderRetention = 'RECORD_UNDER_RETENTION',
  NotPermitted = 'RECORD_NOT_PERMITTED',
}

export class RecordError extends DomainError<RecordErrorCode> {}
