import {
  APPLICATION_STATUSES,
  STATUS_TRANSITIONS,
  type ApplicationStatus,
} from '@madoguchi/transfer';
import { ApplicationError, ApplicationErrorCode } from './application.error';

/** 差戻し and 却下 tell the resident what to do or why; the message is shown on their status page. */
export const STATUSES_NEEDING_MESSAGE: readonly ApplicationStatus[] = ['returned', 'rejected'];
export const MAX_RESIDENT_MESSAGE_LENGTH = 1000;

export function isApplicationStatus(value: unknown): value is ApplicationStatus {
  return APPLICATION_STATUSES.includes(value as ApplicationStatus);
}

export function allowedTransitions(from: ApplicationStatus): readonly ApplicationStatus[] {
  return STATUS_TRANSITIONS[from];
}

/** Checks one staff status change; returns the trimmed message to the resident (undefined when none). */
export function checkTransition(
  from: ApplicationStatus,
  to: unknown,
  message: unknown,
): { to: ApplicationStatus; message?: string } {
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
