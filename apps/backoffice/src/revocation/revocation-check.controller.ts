import { Controller, Inject, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { StaffContext } from '../auth/staff-context';
import { Roles } from '../web/roles';
import { CurrentStaff, SessionGuard } from '../web/session.guard';
import { RevocationCheckService } from './revocation-check.service';

/** 現況確認 (issue 5 §4): a form on the detail page posts here (CSRF checked by the web setup for every POST). */
@Controller()
@UseGuards(SessionGuard)
export class RevocationCheckController {
  constructor(@Inject(RevocationCheckService) private readonly checks: RevocationCheckService) {}

  @Post('applications/:id/revocation-check')
  @Roles('admin', 'reviewer')
  async check(
    @CurrentStaff() staff: StaffContext,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.checks.checkNow(staff, id);
    await reply.redirect(`/applications/${id}?changed=revocation#revocation-heading`, 303);
  }
}
