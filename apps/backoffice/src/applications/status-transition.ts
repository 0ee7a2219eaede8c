import {
  APPLICATION_STATUSES,
  STATUS_TRANSITIONS,
  type ApplicationStatus,
} from '@madoguchi/transfer';
import { ApplicationError, ApplicationErrorCode } from './application.error';

/** 差戻し and 却下 tell the resident what to do or why; the message is shown on their status page. */
export const STATUSES_NEEDING_MESSAGE: readonly ApplicationStatus[] = ['returned', 'rejected'];
export const MAX_RESIDENT_MESSAGE_LENGTH = 1000;
/** Internal comments (staff only, never sent to the resident). */
export const MAX_COMMENT_LENGTH = 2000;

export function isApplicationStatus(value: unknown): value is ApplicationStatus {
  return APPLICATION_STATUSES.includes(value as ApplicationStatus);
}

export function allowedTransitions(from: ApplicationStatus): readonly ApplicationStatus[] {
  return STATUS_TRANSITIONS[from];
}

/**
 * Checks one staff status change; returns the trimmed message to the resident (undefined when none). A returned
 * application whose correction has arrived (`correctedBy`) is closed: the review goes on with the correction.
 */
export function checkTransition(
  from: ApplicationStatus,
  to: unknown,
  message: unknown,
  correctedBy: string | null = null,
): { to: ApplicationStatus; message?: string } {
  if (correctedBy !== null) {
    throw new ApplicationError(
      ApplicationErrorCode.AlreadyCorrected,
      `corrected by ${correctedBy}; the original no longer moves`,
    );
  }
  if (to === undefined || to === '') {
    throw new ApplicationError(ApplicationErrorCode.StatusMissing, 'no new status chosen');
  }
  if (!isApplicationStatus(to) || !STATUS_TRANSITIONS[from].includes(to)) {
    throw new ApplicationError(
      ApplicationErrorCode.TransitionNotAllowed,
      `status change ${from} -> ${JSON.stringify(to)} is not allowed`,
      { from, to },
    );
  }
  const text = typeof message === 'string' ? message.trim() : '';
  if (text.length > MAX_RESIDENT_MESSAGE_LENGTH) {
    throw new ApplicationError(
      ApplicationErrorCode.MessageTooLong,
      'message to the resident is too long',
    );
  }
  if (STATUSES_NEEDING_MESSAGE.includes(to) && text === '') {
    throw new ApplicationError(
      ApplicationErrorCode.MessageRequired,
      `a message to the resident is required for ${to}`,
    );
  }
  return text === '' ? { to } : { to, message: text };
}

/** Checks an internal comment; returns it trimmed. Length counts characters as people do (code points). */
export function checkComment(body: unknown): string {
  const text = typeof body === 'string' ? body.trim() : '';
  if (text === '') {
    throw new ApplicationError(ApplicationErrorCode.CommentEmpty, 'empty comment');
  }
  if ([...text].length > MAX_COMMENT_LENGTH) {
    throw new ApplicationError(ApplicationErrorCode.CommentTooLong, 'comment too long');
  }
  return text;
}
