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

export class PasswordChangeRequired extends Error {}

/** Only a live session gets in: a missing, unsigned, altered, unknown or expired cookie goes to the login page. */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<StaffRequest>();
    const raw = req.cookies[SESSION_COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    const staff =
      unsigned?.valid && unsigned.value ? await this.auth.authenticate(unsigned.value) : undefined;
    if (!staff) {
      throw new AuthError(AuthErrorCode.NotLoggedIn, 'not logged in');
    }
    const isAllowedPending = this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_PASSWORD, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (staff.mustChangePassword && !isAllowedPending) {
      throw new PasswordChangeRequired();
    }
    req.staff = staff;
    return true;
  }
}

export const CurrentStaff = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const staff = context.switchToHttp().getRequest<StaffRequest>().staff;
  if (!staff) {
    throw new AuthError(AuthErrorCode.NotLoggedIn, 'not logged in');
  }
  return staff;
});
