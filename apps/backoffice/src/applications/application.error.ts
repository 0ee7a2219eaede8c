import { DomainError } from '@madoguchi/common';

export enum ApplicationErrorCode {
  NotFound = 'APPLICATION_NOT_FOUND',
  AttachmentNotFound = 'ATTACHMENT_NOT_FOUND',
  StatusMissing = 'STATUS_MISSING',
  TransitionNotAllowed = 'STATUS_TRANSITION_NOT_ALLOWED',
  MessageRequired = 'STATUS_MESSAGE_REQUIRED',
  MessageTooLong = 'STATUS_MESSAGE_TOO_LONG',
  StaleVersion = 'STATUS_STALE_VERSION',
  NotPermitted = 'STATUS_NOT_PERMITTED',
  AlreadyCorrected = 'STATUS_ALREADY_CORRECTED',
  AssigneeNotEligible = 'ASSIGNEE_NOT_ELIGIBLE',
  CommentEmpty = 'COMMENT_EMPTY',
  CommentTooLong = 'COMMENT_TOO_LONG',
  /** 現況確認 of an application without a recorded signing certificate */
  NotSigned = 'APPLICATION_NOT_SIGNED',
  RevocationCheckNotPermitted = 'REVOCATION_CHECK_NOT_PERMITTED',
  /** the application's record was disposed of (廃棄): only its tombstone remains */
  Disposed = 'APPLICATION_DISPOSED',
}

export class ApplicationError extends DomainError<ApplicationErrorCode> {}
