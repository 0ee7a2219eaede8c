import { Body, Controller, Get, Inject, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { StaffContext } from '../auth/staff-context';
import { StaffAdminError, StaffAdminErrorCode } from '../staff/staff-admin.error';
import { StaffService } from '../staff/staff.service';
import { staffAdminErrorMessage } from '../web/error-messages';
import { ALL_ROLES, Roles } from '../web/roles';
import { CurrentStaff, SessionGuard } from '../web/session.guard';
import { PlatformService } from './platform.service';

interface MunicipalityForm {
  code?: unknown;
  nameJa?: unknown;
  nameEn?: unknown;
  adminLoginId?: unknown;
  adminDisplayName?: unknown;
}

const typed = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 200) : '');

/** The platform administrator's page: the municipalities of this install, and adding one (issue 5 §1). */
@Controller('platform')
@UseGuards(SessionGuard)
// any role: PlatformService lets only a platform administrator (isPlatformAdmin) in
@Roles(...ALL_ROLES)
export class PlatformController {
  constructor(
    @Inject(PlatformService) private readonly platform: PlatformService,
    @Inject(StaffService) private readonly staffService: StaffService,
  ) {}

  @Get('municipalities')
  async list(@CurrentStaff() staff: StaffContext, @Res() reply: FastifyReply): Promise<void> {
    await reply.view('platform/municipalities', await this.model(staff, {}));
  }

  @Post('municipalities')
  async add(
    @CurrentStaff() staff: StaffContext,
    @Body() form: MunicipalityForm,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      const { municipality, adminLoginId, password } = await this.platform.add(staff, form);
      await reply
        .code(200)
        .header('cache-control', 'no-store')
        .view('platform/municipality-added', {
          ...(await this.staffService.pageFrame(staff)),
          added: { code: municipality.code, nameJa: municipality.nameJa },
          adminLoginId,
          password,
        });
    } catch (e) {
      if (!(e instanceof StaffAdminError) || e.code === StaffAdminErrorCode.NotPermitted) {
        throw e;
      }
      await reply.code(400).view('platform/municipalities', {
        ...(await this.model(staff, form)),
        error: staffAdminErrorMessage(e.code),
      });
    }
  }

  private async model(staff: StaffContext, form: MunicipalityForm) {
    return {
      ...(await this.staffService.pageFrame(staff)),
      pageTitle: { ja: '自治体の管理', en: 'Municipalities' },
      rows: await this.platform.list(staff),
      form: {
        code: typed(form.code),
        nameJa: typed(form.nameJa),
        nameEn: typed(form.nameEn),
        adminLoginId: typed(form.adminLoginId),
        adminDisplayName: typed(form.adminDisplayName),
      },
    };
  }
}
