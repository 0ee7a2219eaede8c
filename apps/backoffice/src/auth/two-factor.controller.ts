import { Body, Controller, Get, Inject, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { StaffService } from '../staff/staff.service';
import { authErrorMessage } from '../web/error-messages';
import {
  AllowPendingFactor,
  AllowTotpEnrolment,
  CurrentStaff,
  SESSION_COOKIE,
  SessionGuard,
} from '../web/session.guard';
import { ALL_ROLES, homePathOf, Roles } from '../web/roles';
import { AuthError, AuthErrorCode } from './auth.error';
import { AuthService } from './auth.service';
import type { StaffContext } from './staff-context';
import { TwoFactorService } from './two-factor.service';

interface CodeForm {
  code?: unknown;
}

const codeOf = (form: CodeForm): string =>
  typeof form.code === 'string' ? form.code.slice(0, 32) : '';

/** The TOTP step of a login, and enrolment of one's own authenticator app (issue 5 §9). */
@Controller()
@UseGuards(SessionGuard)
@Roles(...ALL_ROLES)
export class TwoFactorController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(TwoFactorService) private readonly twoFactor: TwoFactorService,
    @Inject(StaffService) private readonly staffService: StaffService,
  ) {}

  @Get('login/totp')
  @AllowPendingFactor()
  async codePage(@CurrentStaff() staff: StaffContext, @Res() reply: FastifyReply): Promise<void> {
    if (staff.pendingFactor === null) {
      await reply.redirect(homePathOf(staff.role), 303);
      return;
    }
    await reply.view('login-totp', { loginId: staff.loginId });
  }

  @Post('login/totp')
  @AllowPendingFactor()
  async code(
    @CurrentStaff() staff: StaffContext,
    @Body() form: CodeForm,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (staff.pendingFactor === null) {
      await reply.redirect(homePathOf(staff.role), 303);
      return;
    }
    try {
      await this.auth.verifyLoginCode(staff, codeOf(form));
      // the role's home, as after a password-only login (an auditor may not open /applications)
      await reply.redirect(staff.mustChangePassword ? '/password' : homePathOf(staff.role), 303);
    } catch (e) {
      if (!(e instanceof AuthError)) {
        throw e;
      }
      if (e.code === AuthErrorCode.TotpAttemptsExhausted) {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        await reply
          .code(401)
          .view('login', { loginId: staff.loginId, error: authErrorMessage(e.code) });
        return;
      }
      await reply
        .code(401)
        .view('login-totp', { loginId: staff.loginId, error: authErrorMessage(e.code) });
    }
  }

  @Get('account/totp')
  @AllowTotpEnrolment()
  async enrolPage(@CurrentStaff() staff: StaffContext, @Res() reply: FastifyReply): Promise<void> {
    await reply.view('account/totp', await this.enrolModel(staff));
  }

  @Post('account/totp')
  @AllowTotpEnrolment()
  async enrol(
    @CurrentStaff() staff: StaffContext,
    @Body() form: CodeForm,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      await this.twoFactor.confirm(staff, codeOf(form));
      await reply.redirect('/account/totp?changed=enabled', 303);
    } catch (e) {
      if (!(e instanceof AuthError) || e.code !== AuthErrorCode.TotpCodeWrong) {
        throw e;
      }
      await reply.code(400).view('account/totp', {
        ...(await this.enrolModel(staff)),
        error: authErrorMessage(e.code),
      });
    }
  }

  private async enrolModel(staff: StaffContext) {
    const municipality = await this.staffService.municipalityName(staff.municipalityCode);
    const frame = {
      staff: {
        displayName: staff.displayName,
        loginId: staff.loginId,
        role: staff.role,
        isPlatformAdmin: staff.isPlatformAdmin,
      },
      municipality,
      isRequired: staff.mustEnrolTotp,
    };
    if (staff.hasTotp) {
      return { ...frame, isEnabled: true };
    }
    const { secret, uri } = await this.twoFactor.begin(staff, `窓口 ${municipality.ja}`);
    // server-rendered SVG, as the portal's hand-off page: no script builds it
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return {
      ...frame,
      isEnabled: false,
      qrSvg,
      uri,
      // groups of four, as authenticator apps show a key to type
      secretGroups: secret.match(/.{1,4}/g)?.join(' ') ?? secret,
    };
  }
}
