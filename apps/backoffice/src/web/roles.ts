import {
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthError, AuthErrorCode } from '../auth/auth.error';
import type { StaffRole } from '../database/entities/staff-user.entity';
import { SessionGuard, type StaffRequest } from './session.guard';

export const ROLES_KEY = 'madoguchi:roles';
export const PUBLIC_KEY = 'madoguchi:public';

/**
 * The roles that may use a route (on the handler, or on the controller for all its handlers; the handler's list
 * wins). The global RolesGuard refuses every other role with 403 and every route with neither @Roles nor @Public.
 */
export const Roles = (...roles: StaffRole[]) => SetMetadata(ROLES_KEY, roles);

/** Reachable without a session (login, health). Only these skip the session and the role check. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Every role: pages each staff member needs for their own account (password, logout, home). */
export const ALL_ROLES: readonly StaffRole[] = ['admin', 'reviewer', 'viewer', 'auditor'];

/** Where a staff member lands after login and on `/`: the first page their role may open. */
export function homePathOf(role: StaffRole): string {
  switch (role) {
    case 'admin':
    case 'reviewer':
    case 'viewer':
      return '/applications';
    case 'auditor':
      return '/audit';
  }
}

/**
 * Global guard (APP_GUARD): runs before the controllers' own guards, so it first does the SessionGuard's work
 * (a visitor without a live session goes to the login page; the SessionGuard then finds req.staff set), then
 * the role check. Fail closed: a route without @Roles or @Public is refused for everyone and logged.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly logger = new Logger('RolesGuard');

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(SessionGuard) private readonly session: SessionGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) {
      return true;
    }
    await this.session.canActivate(context);
    const staff = context.switchToHttp().getRequest<StaffRequest>().staff;
    const roles = this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES_KEY, targets);
    if (!roles) {
      this.logger.error(
        `${context.getClass().name}.${context.getHandler().name} has no @Roles: refused`,
      );
    }
    if (!staff || !roles?.includes(staff.role)) {
      throw new AuthError(AuthErrorCode.RoleNotPermitted, 'role not permitted', {
        role: staff?.role,
      });
    }
    return true;
  }
}
