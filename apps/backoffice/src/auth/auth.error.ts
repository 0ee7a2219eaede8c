import { DomainError } from '@madoguchi/common';

export enum AuthErrorCode {
  /** wrong login id, wrong password or a locked account: one generic answer for all three */
  LoginFailed = 'LOGIN_FAILED',
  NotLoggedIn = 'NOT_LOGGED_IN',
  PasswordTooShort = 'PASSWORD_TOO_SHORT',
  PasswordUnchanged = 'PASSWORD_UNCHANGED',
  PasswordMismatch = 'PASSWORD_MISMATCH',
  CurrentPasswordWrong = 'CURRENT_PASSWORD_WRONG',
}

export class AuthError extends DomainError<AuthErrorCode> {}
