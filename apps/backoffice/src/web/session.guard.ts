import {
  Inject,
  Injectable,
  SetMetadata,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthError, AuthErrorCode } from '../auth/auth.error';
import { AuthService } from '../auth/auth.service';
import type { StaffContext } from '../auth/staff-context';

export const SESSION_COOKIE = 'madoguchi_bo_session';

export type StaffRequest = FastifyRequest & { staff?: StaffContext };

const ALLOW_PENDING_PASSWORD = 'allowPendingPassword';
/** Reachable while the one-time password has not been changed yet (the change-password page, logout). */
export const AllowPendingPassword = () => SetMetadata(ALLOW_PENDING_PASSWORD, true);

const ALLOW_PENDING_FACTOR = 'allowPendingFactor';
/** Reachable between the password and the TOTP code of a login (the code page, logout). */
export const AllowPendingFactor = () => SetMetadata(ALLOW_PENDING_FACTOR, true);

const ALLOW_TOTP_ENROLMENT = 'allowTotpEnrolment';
/** Reachable while the municipality requires TOTP and the account has none yet (the enrolment page, logout). */
export const AllowTotpEnrolment = () => SetMetadata(ALLOW_TOTP_ENROLMENT, true);

export class PasswordChangeRequired extends Error {}
export class SecondFactorRequired extends Error {}
export class TotpEnrolmentRequired extends Error {}

/** Only a live session gets in: a missing, unsigned, altered, unknown or expired cookie goes to the login page. */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<StaffRequest>();
    // the global RolesGuard ran this guard first for this request: no second session lookup
    const staff = req.staff ?? (await this.staffOf(req));
    if (!staff) {
      throw new AuthError(AuthErrorCode.NotLoggedIn, 'not logged in');
    }
    const allows = (key: string) =>
      this.reflector.getAllAndOverride<boolean>(key, [context.getHandler(), context.getClass()]) ===
      true;
    // in this order: the second factor completes the login; then the one-time password; then TOTP enrolment
    if (staff.pendingFactor !== null) {
      if (!allows(ALLOW_PENDING_FACTOR)) {
        throw new SecondFactorRequired();
      }
    } else if (staff.mustChangePassword) {
      if (!allows(ALLOW_PENDING_PASSWORD)) {
        throw new PasswordChangeRequired();
      }
    } else if (staff.mustEnrolTotp && !allows(ALLOW_TOTP_ENROLMENT)) {
      throw new TotpEnrolmentRequired();
    }
    req.staff = staff;
    return true;
  }

  private async staffOf(req: StaffRequest): Promise<StaffContext | undefined> {
    const raw = req.cookies[SESSION_COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    return unsigned?.valid && unsigned.value ? this.auth.authenticate(unsigned.value) : undefined;
  }
}

export const CurrentStaff = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const staff = context.switchToHttp().getRequest<StaffRequest>().staff;
  if (!staff) {
    throw new AuthError(AuthErrorCode.NotLoggedIn, 'not logged in');
  }
  return staff;
});
