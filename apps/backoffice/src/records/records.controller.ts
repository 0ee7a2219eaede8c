import {
  Controller,
  Get,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Render,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import type { StaffContext } from '../auth/staff-context';
import { contentDisposition } from '../applications/applications.controller';
import { ApplicationsService } from '../applications/applications.service';
import { AuditAction } from '../audit/audit-action';
import { AuditLog } from '../audit/audit-log';
import { StaffService } from '../staff/staff.service';
import { Roles } from '../web/roles';
import { CurrentStaff, SessionGuard } from '../web/session.guard';
import { RecordDisposalService } from './record-disposal.service';
import { RecordsService } from './records.service';
import { toDisposalView } from './to-record-view.mapper';

/** Record files (閲覧者 and up) and the disposal page (管理者), issue 5 §8. */
@Controller()
@UseGuards(SessionGuard)
export class RecordsController {
  constructor(
    @Inject(RecordsService) private readonly records: RecordsService,
    @Inject(RecordDisposalService) private readonly disposal: RecordDisposalService,
    @Inject(StaffService) private readonly staffService: StaffService,
    @Inject(ApplicationsService) private readonly applications: ApplicationsService,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(DataSource) private readonly db: DataSource,
  ) {}

  /** One file of the application's record package: ?name=rendition.pdf, attachments/<name>, … */
  @Get('applications/:id/record/file')
  @Roles('admin', 'reviewer', 'viewer')
  async file(
    @CurrentStaff() staff: StaffContext,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @Query('name') name: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // the same scoping as every other application route: a reviewer of another 担当課 gets 404
    await this.applications.find(staff, id);
    const { record, file, bytes } = await this.records.file(
      staff,
      id,
      typeof name === 'string' ? name : '',
    );
    await this.audit.append(this.db.manager, {
      actor: staff,
      municipalityCode: staff.municipalityCode,
      action: AuditAction.RecordFileDownloaded,
      targetType: 'application',
      targetId: id,
      detail: { recordId: record.id, name: file.name, sha256: file.sha256 },
    });
    // always a download (a resident chose the attachments' bytes); the SHA-256 lets the reader check it
    await reply
      .header('content-type', file.mediaType)
      .header('content-disposition', contentDisposition(file.name.split('/').pop() ?? file.name))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .header('x-record-file-sha256', file.sha256)
      .send(bytes);
  }

  @Get('records/disposal')
  @Roles('admin')
  @Render('records/disposal')
  async disposalPage(@CurrentStaff() staff: StaffContext, @Query('disposed') disposed?: string) {
    const now = new Date();
    const [due, done] = await Promise.all([
      this.disposal.listPastRetention(staff.municipalityCode, now),
      this.disposal.listDisposals(staff.municipalityCode),
    ]);
    return {
      ...(await this.staffService.pageFrame(staff)),
      ...toDisposalView(due, done, now),
      disposedReceipt: typeof disposed === 'string' ? disposed : '',
    };
  }

  @Post('records/:recordId/disposal')
  @Roles('admin')
  async approve(
    @CurrentStaff() staff: StaffContext,
    @Param('recordId', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) recordId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const tombstone = await this.disposal.approve(staff, recordId);
    await reply.redirect(
      `/records/disposal?disposed=${encodeURIComponent(tombstone.receiptNumber)}`,
      303,
    );
  }
}
