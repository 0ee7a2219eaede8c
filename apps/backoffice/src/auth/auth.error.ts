import { DomainError } from '@madoguchi/common';

export enum AuthErrorCode {
  /** wrong login id, wrong password or a locked account: one generic answer for all three */
  LoginFailed = 'LOGIN_FAILED',
  NotLoggedIn = 'NOT_LOGGED_IN',
  PasswordTooShort = 'PASSWORD_TOO_SHORT',
  PasswordUnchanged = 'PASSWORD_UNCHANGED',
  PasswordMismatch = 'PASSWORD_MISMATCH',
  CurrentPasswordWrong = 'CURRENT_PASSWORD_WRONG',
  PasswordContainsLoginId = 'PASSWORD_CONTAINS_LOGIN_ID',
  PasswordTooCommon = 'PASSWORD_TOO_COMMON',
  /** a wrong, expired or already used TOTP code */
  TotpCodeWrong = 'TOTP_CODE_WRONG',
  /** too many wrong TOTP codes: the login starts again from the password (and counts toward the lockout) */
  TotpAttemptsExhausted = 'TOTP_ATTEMPTS_EXHAUSTED',
  TotpAlreadyEnabled = 'TOTP_ALREADY_ENABLED',
  /** too many POST /login attempts from one client address in the window (429, Retry-After) */
  TooManyAttempts = 'TOO_MANY_LOGIN_ATTEMPTS',
  /** logged in, but the route is not for this role (or has no @Roles at all: fail closed) */
  RoleNotPermitted = 'ROLE_NOT_PERMITTED',
}

export class AuthError extends DomainError<AuthErrorCode> {}
