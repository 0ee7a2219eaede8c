import { Controller, Get, Inject, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import { AuditLog } from '../audit/audit-log';
import { contentDisposition } from '../applications/applications.controller';
import type { StaffContext } from '../auth/staff-context';
import { Roles } from '../web/roles';
import { CurrentStaff, SessionGuard } from '../web/session.guard';
import { ApplicationSearchService } from './application-search.service';
import { CsvExportService } from './csv-export.service';
import { japanTime } from './csv-export';
import { parseSearchQuery, SearchError } from './search-filter';

@Controller()
@UseGuards(SessionGuard)
export class ApplicationExportController {
  constructor(
    @Inject(ApplicationSearchService) private readonly search: ApplicationSearchService,
    @Inject(CsvExportService) private readonly csv: CsvExportService,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(DataSource) private readonly db: DataSource,
  ) {}

  /** The list page's filter as CSV (the page cursor, if any, is ignored: the export is the whole list). */
  @Get('applications/export.csv')
  @Roles('admin', 'reviewer', 'viewer')
  async export(
    @CurrentStaff() staff: StaffContext,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const parsed = parseSearchQuery(
      { ...query, after: undefined, before: undefined },
      (await this.search.choices(staff)).known,
    );
    if (parsed.problems.length > 0) {
      throw new SearchError(parsed.problems[0], 'export filter not valid');
    }
    const { stream, rows } = await this.csv.open(staff, parsed.filter);
    // recorded before the first byte leaves (issue 5 §6): who, which filter, how many rows it matched
    await this.audit.append(this.db.manager, {
      actor: staff,
      municipalityCode: staff.municipalityCode,
      action: AuditAction.ExportCsv,
      targetType: 'application_list',
      detail: { filter: { ...parsed.filter }, rows },
    });
    const stamp = japanTime(new Date()).replace(/[-: ]/g, '').slice(0, 12);
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', contentDisposition(`申請一覧_${stamp}.csv`))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(stream);
  }
}
