import { Body, Controller, Get, Inject, Post, Render, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import { AuditLog } from '../audit/audit-log';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import {
  AllowPendingFactor,
  AllowPendingPassword,
  AllowTotpEnrolment,
  CurrentStaff,
  SESSION_COOKIE,
  SessionGuard,
} from '../web/session.guard';
import { authErrorMessage } from '../web/error-messages';
import { ALL_ROLES, Public, Roles, homePathOf } from '../web/roles';
import { BACKOFFICE_CONFIG } from '../backoffice.tokens';
import type { BackofficeConfig } from '../config/backoffice.config';
import { AuthError, AuthErrorCode } from './auth.error';
import { AuthService, MIN_PASSWORD_LENGTH } from './auth.service';
import type { StaffContext } from './staff-context';

interface LoginForm {
  loginId?: unknown;
  password?: unknown;
}
interface PasswordForm {
  current?: unknown;
  next?: unknown;
  confirmation?: unknown;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const frame = (staff: StaffContext) => ({
  staff: { displayName: staff.displayName, loginId: staff.loginId },
});

@Controller()
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(BACKOFFICE_CONFIG) private readonly config: BackofficeConfig,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(DataSource) private readonly db: DataSource,
  ) {}

  @Get('login')
  @Public()
  @Render('login')
  loginPage() {
    return { loginId: '' };
  }

  @Post('login')
  @Public()
  async login(
    @Body() form: LoginForm,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const loginId = text(form.loginId).slice(0, 64);
    try {
      // the client's address (X-Forwarded-For from the load balancer in production: trustProxy)
      const { sessionId, staff } = await this.auth.login(loginId, text(form.password), request.ip);
      await this.audit.append(this.db.manager, {
        actor: staff,
        municipalityCode: staff.municipalityCode,
        action: AuditAction.LoginSucceeded,
        detail: { factor: 'password', isTotpPending: staff.pendingFactor === 'totp' },
      });
      reply.setCookie(SESSION_COOKIE, sessionId, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: this.config.isProduction,
        signed: true,
        maxAge: this.auth.policy.absoluteLifetimeMs / 1000,
      });
      const next =
        staff.pendingFactor === 'totp'
          ? '/login/totp'
          : staff.mustChangePassword
            ? '/password'
            : homePathOf(staff.role);
      await reply.redirect(next, 303);
    } catch (e) {
      if (!(e instanceof AuthError)) {
        throw e;
      }
      if (e.code === AuthErrorCode.TooManyAttempts) {
        // refused before the account was looked at: nothing about it to log (and a flood does not fill the log)
        await reply
          .code(429)
          .header('retry-after', String(Number(e.details?.retryAfterSeconds) || 60))
          .view('login', { loginId, error: authErrorMessage(e.code) });
        return;
      }
      await this.auditFailedLogin(loginId, e);
      await reply.code(401).view('login', { loginId, error: authErrorMessage(e.code) });
    }
  }

  @Post('logout')
  @UseGuards(SessionGuard)
  @Roles(...ALL_ROLES)
  @AllowPendingPassword()
  @AllowPendingFactor()
  @AllowTotpEnrolment()
  async logout(@CurrentStaff() staff: StaffContext, @Res() reply: FastifyReply): Promise<void> {
    await this.auth.logout(staff.sessionHash);
    await reply.clearCookie(SESSION_COOKIE, { path: '/' }).redirect('/login', 303);
  }

  @Get('password')
  @UseGuards(SessionGuard)
  @Roles(...ALL_ROLES)
  @AllowPendingPassword()
  @Render('password')
  passwordPage(@CurrentStaff() staff: StaffContext) {
    return { ...frame(staff), minLength: MIN_PASSWORD_LENGTH, isFirst: staff.mustChangePassword };
  }

  @Post('password')
  @UseGuards(SessionGuard)
  @Roles(...ALL_ROLES)
  @AllowPendingPassword()
  async changePassword(
    @CurrentStaff() staff: StaffContext,
    @Body() form: PasswordForm,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      await this.auth.changePassword(
        staff,
        text(form.current),
        text(form.next),
        text(form.confirmation),
      );
      await reply.redirect(`${homePathOf(staff.role)}?changed=password`, 303);
    } catch (e) {
      if (!(e instanceof AuthError)) {
        throw e;
      }
      await reply.code(400).view('password', {
        ...frame(staff),
        minLength: MIN_PASSWORD_LENGTH,
        isFirst: staff.mustChangePassword,
        error: authErrorMessage(e.code),
      });
    }
  }

  /** The typed login id (never the password); the account's municipality when the id is known. */
  private async auditFailedLogin(loginId: string, e: AuthError): Promise<void> {
    const user = await this.db
      .getRepository(StaffUserEntity)
      .findOneBy({ loginId: loginId.trim() });
    await this.audit.append(this.db.manager, {
      actor: user ? { loginId: user.loginId } : { loginId },
      municipalityCode: user?.municipalityCode ?? null,
      action: AuditAction.LoginFailed,
      targetType: user ? 'staff_user' : undefined,
      targetId: user?.id,
      detail: {
        isKnownLoginId: user !== null,
        isLocked: e.details?.locked === true,
        isDisabled: e.details?.disabled === true,
      },
    });
  }
}
