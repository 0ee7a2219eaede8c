import {
  Body,
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
import { AuditAction } from '../audit/audit-action';
import { AuditLog } from '../audit/audit-log';
import type { StaffContext } from '../auth/staff-context';
import { FormCatalog } from '../forms/form-catalog';
import { ApplicationSearchService } from '../search/application-search.service';
import { parseSearchQuery } from '../search/search-filter';
import { toSearchView } from '../search/to-search-view.mapper';
import { StaffService } from '../staff/staff.service';
import { canReadRecords, RecordDisposalService } from '../records/record-disposal.service';
import { RecordsService } from '../records/records.service';
import { toRecordView, toTombstoneView } from '../records/to-record-view.mapper';
import { applicationErrorMessage } from '../web/error-messages';
import { ALL_ROLES, Roles, homePathOf } from '../web/roles';
import { CurrentStaff, SessionGuard } from '../web/session.guard';
import { ArchiveOutboxService } from '../archive/archive-outbox.service';
import { ApplicationError, ApplicationErrorCode } from './application.error';
import { ApplicationsService } from './applications.service';
import { toDetailView } from './to-application-view.mapper';

interface StatusForm {
  status?: unknown;
  message?: unknown;
  version?: unknown;
}

/** RFC 6266 / RFC 5987: an ASCII fallback and the UTF-8 name (Japanese file names survive). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

@Controller()
@UseGuards(SessionGuard)
export class ApplicationsController {
  constructor(
    @Inject(ApplicationsService) private readonly applications: ApplicationsService,
    @Inject(StaffService) private readonly staffService: StaffService,
    @Inject(FormCatalog) private readonly forms: FormCatalog,
    @Inject(ArchiveOutboxService) private readonly archive: ArchiveOutboxService,
    @Inject(ApplicationSearchService) private readonly search: ApplicationSearchService,
    @Inject(RecordsService) private readonly records: RecordsService,
    @Inject(RecordDisposalService) private readonly disposal: RecordDisposalService,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(DataSource) private readonly db: DataSource,
  ) {}

  @Get()
  @Roles(...ALL_ROLES)
  async home(@CurrentStaff() staff: StaffContext, @Res() reply: FastifyReply): Promise<void> {
    await reply.redirect(homePathOf(staff.role), 303);
  }

  @Get('applications')
  @Roles('admin', 'reviewer', 'viewer')
  async list(
    @CurrentStaff() staff: StaffContext,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const choices = await this.search.choices(staff);
    const parsed = parseSearchQuery(query, choices.known);
    const page =
      parsed.problems.length > 0
        ? undefined
        : await this.search.page(staff, parsed.filter, parsed.cursor);
    const names = await this.applications.staffNames(page?.rows.map((a) => a.assigneeId) ?? []);
    await reply.code(page ? 200 : 400).view('applications/list', {
      ...(await this.staffService.pageFrame(staff)),
      ...toSearchView({ parsed, page, ...choices, staffNames: names }),
      isPasswordChanged: query.changed === 'password',
    });
  }

  @Get('applications/:id')
  @Roles('admin', 'reviewer', 'viewer')
  @Render('applications/detail')
  async detail(
    @CurrentStaff() staff: StaffContext,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @Query('changed') changed?: string,
  ) {
    const model = await this.detailModel(staff, id);
    await this.audited(staff, AuditAction.ApplicationViewed, id, {
      receiptNumber: model.application.receiptNumber,
    });
    return {
      ...model,
      isStatusChanged: changed === 'status',
      isAssigned: changed === 'assignee',
      isCommented: changed === 'comment',
      isRevocationChecked: changed === 'revocation',
    };
  }

  @Get('applications/:id/attachments/:attachmentId')
  @Roles('admin', 'reviewer', 'viewer')
  async download(
    @CurrentStaff() staff: StaffContext,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @Param('attachmentId', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) attachmentId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { attachment, bytes } = await this.applications.attachment(staff, id, attachmentId);
    await this.audited(staff, AuditAction.AttachmentDownloaded, id, {
      attachmentId,
      fileName: attachment.fileName,
      sha256: attachment.sha256,
    });
    // Always a download, never rendered in the back office's origin (a resident chose these bytes).
    await reply
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', contentDisposition(attachment.fileName))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(bytes);
  }

  @Get('applications/:id/document.json')
  @Roles('admin', 'reviewer', 'viewer')
  async signedDocument(
    @CurrentStaff() staff: StaffContext,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { bytes, receiptNumber } = await this.applications.signedFile(staff, id, 'document');
    await this.audited(staff, AuditAction.SignedDocumentDownloaded, id, { receiptNumber });
    // the exact signed bytes: JSON, but served for download only (never re-encoded, never rendered)
    await reply
      .header('content-type', 'application/json')
      .header('content-disposition', contentDisposition('document.json'))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(bytes);
  }

  @Get('applications/:id/signature.p7s')
  @Roles('admin', 'reviewer', 'viewer')
  async signatureFile(
    @CurrentStaff() staff: StaffContext,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { bytes, receiptNumber } = await this.applications.signedFile(staff, id, 'cms');
    await this.audited(staff, AuditAction.SignatureDownloaded, id, { receiptNumber });
    // RFC 5751 §3.2.1: detached signature file type
    await reply
      .header('content-type', 'application/pkcs7-signature')
      .header('content-disposition', contentDisposition('signature.p7s'))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(bytes);
  }

  @Post('applications/:id/status')
  @Roles('admin', 'reviewer')
  async changeStatus(
    @CurrentStaff() staff: StaffContext,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @Body() form: StatusForm,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const message = typeof form.message === 'string' ? form.message : '';
    try {
      await this.applications.changeStatus(staff, id, {
        to: form.status,
        message,
        expectedVersion: Number(form.version),
      });
      await reply.redirect(`/applications/${id}?changed=status`, 303);
    } catch (e) {
      if (
        !(e instanceof ApplicationError) ||
        e.code === ApplicationErrorCode.NotFound ||
        e.code === ApplicationErrorCode.NotPermitted ||
        e.code === ApplicationErrorCode.Disposed
      ) {
        throw e;
      }
      // the page again, with what the staff member typed and what to fix
      const model = await this.detailModel(staff, id);
      await reply
        .code(e.code === ApplicationErrorCode.StaleVersion ? 409 : 400)
        .view('applications/detail', {
          ...model,
          statusError: applicationErrorMessage(e.code),
          typedMessage: message,
          chosenStatus: typeof form.status === 'string' ? form.status : '',
        });
    }
  }

  @Post('applications/:id/assignee')
  @Roles('admin', 'reviewer')
  async assign(
    @CurrentStaff() staff: StaffContext,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @Body() form: { assignee?: unknown },
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      await this.applications.assign(staff, id, form.assignee);
      await reply.redirect(`/applications/${id}?changed=assignee#assignee`, 303);
    } catch (e) {
      await this.pageAgain(staff, id, e, reply, { assigneeError: true });
    }
  }

  @Post('applications/:id/comments')
  @Roles('admin', 'reviewer')
  async comment(
    @CurrentStaff() staff: StaffContext,
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @Body() form: { body?: unknown },
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      await this.applications.comment(staff, id, form.body);
      await reply.redirect(`/applications/${id}?changed=comment#comments`, 303);
    } catch (e) {
      await this.pageAgain(staff, id, e, reply, {
        commentError: true,
        typedComment: typeof form.body === 'string' ? form.body : '',
      });
    }
  }

  /** The detail page again after a refused form, with what was typed and what to fix (NotFound / NotPermitted: the error page). */
  private async pageAgain(
    staff: StaffContext,
    id: string,
    e: unknown,
    reply: FastifyReply,
    extra: Record<string, unknown>,
  ): Promise<void> {
    if (
      !(e instanceof ApplicationError) ||
      e.code === ApplicationErrorCode.NotFound ||
      e.code === ApplicationErrorCode.NotPermitted ||
      e.code === ApplicationErrorCode.Disposed
    ) {
      throw e;
    }
    const model = await this.detailModel(staff, id);
    await reply.code(400).view('applications/detail', {
      ...model,
      ...extra,
      formError: applicationErrorMessage(e.code),
    });
  }

  /** Personal data shown or handed out: in the audit log before the bytes leave (issue 5 §7). */
  private async audited(
    staff: StaffContext,
    action: string,
    applicationId: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.append(this.db.manager, {
      actor: staff,
      municipalityCode: staff.municipalityCode,
      action,
      targetType: 'application',
      targetId: applicationId,
      detail,
    });
  }

  private async detailModel(staff: StaffContext, id: string) {
    const application = await this.applications.find(staff, id);
    if (application.disposedAt) {
      // 廃棄済み: only the tombstone and the disposal register entry are left to show (nothing else is loaded)
      const entry = await this.disposal.registerEntry(staff.municipalityCode, id);
      return {
        ...(await this.staffService.pageFrame(staff)),
        application: { receiptNumber: application.receiptNumber },
        tombstone: toTombstoneView(application, entry),
        archiveDeliveries: [],
      };
    }
    const detail = await this.applications.detail(staff, application);
    const form = this.forms.find(detail.application.municipalityCode, detail.application.formId);
    const assignees = detail.mayReview
      ? await this.applications.eligibleAssignees(staff, detail.application)
      : [];
    const names = await this.applications.staffNames([
      ...detail.history.map((h) => h.changedBy),
      ...detail.comments.map((c) => c.authorId),
      detail.application.assigneeId,
      ...detail.revocationChecks.map((c) => c.checkedBy),
    ]);
    const record = canReadRecords(staff) ? await this.records.forApplication(staff, id) : null;
    return {
      ...(await this.staffService.pageFrame(staff)),
      application: {
        ...toDetailView(detail, form, staff, names, assignees),
        record: toRecordView(record, id),
      },
      archiveDeliveries: await this.archive.deliveryRows(
        staff.municipalityCode,
        detail.application.id,
      ),
    };
  }
}
