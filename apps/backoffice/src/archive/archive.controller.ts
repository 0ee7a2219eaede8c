import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
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
import {
  parseDay,
  SearchError,
  SearchErrorCode,
  startOfJapaneseDay,
} from '../search/search-filter';
import { StaffService } from '../staff/staff.service';
import { Roles } from '../web/roles';
import { CurrentStaff, SessionGuard } from '../web/session.guard';
import { ArchiveConnectorsService, type ConnectorInput } from './archive-connectors.service';
import { ArchiveFixityService } from './archive-fixity.service';
import { ArchiveOutboxService } from './archive-outbox.service';
import { ArchiveError, ArchiveErrorCode } from './archive.error';
import { reconciliation, reconciliationCsv } from './archive-reconciliation';
import { toConnectorsPage, toDeadLetterView } from './to-archive-view.mapper';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

/** The report's `from`/`to` as a real day YYYY-MM-DD; empty (the form's blank date) is no bound. */
function reportDay(key: 'from' | 'to', raw: unknown): string | undefined {
  const value = typeof raw === 'string' ? raw.normalize('NFKC').trim() : raw;
  if (value === undefined || value === '') {
    return undefined;
  }
  if (typeof value !== 'string' || !parseDay(value)) {
    throw new SearchError(SearchErrorCode.BadDate, `${key} is not a day`);
  }
  return value;
}

/**
 * Archive connectors (管理者), the dead letters with 「再送」 and the reconciliation report (issue 6 §2–3).
 * Secrets are never rendered: the page says whether one is stored, and an empty field keeps it.
 */
@Controller()
@UseGuards(SessionGuard)
export class ArchiveController {
  constructor(
    @Inject(ArchiveConnectorsService) private readonly connectors: ArchiveConnectorsService,
    @Inject(ArchiveOutboxService) private readonly outbox: ArchiveOutboxService,
    @Inject(StaffService) private readonly staffService: StaffService,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ArchiveFixityService) private readonly fixity: ArchiveFixityService,
  ) {}

  @Get('admin/archive')
  @Roles('admin')
  @Render('archive/connectors')
  async page(@CurrentStaff() staff: StaffContext, @Query('saved') saved?: string) {
    return this.pageModel(staff, { isSaved: saved === '1' });
  }

  @Post('admin/archive/connectors')
  @Roles('admin')
  async create(
    @CurrentStaff() staff: StaffContext,
    @Body() input: ConnectorInput,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.saveOrShow(staff, input, undefined, reply);
  }

  @Post('admin/archive/connectors/:id')
  @Roles('admin')
  async update(
    @CurrentStaff() staff: StaffContext,
    @Param('id', uuid) id: string,
    @Body() input: ConnectorInput,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.saveOrShow(staff, input, id, reply);
  }

  @Post('admin/archive/connectors/:id/test')
  @Roles('admin')
  @HttpCode(200)
  async test(
    @CurrentStaff() staff: StaffContext,
    @Param('id', uuid) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.found(() => this.connectors.test(staff.municipalityCode, id));
    await reply.view(
      'archive/connectors',
      await this.pageModel(staff, { testResult: { id, ...result } }),
    );
  }

  /** 固定性チェック now, for this municipality: re-reads every delivered package and lists the differences. */
  @Post('admin/archive/fixity')
  @Roles('admin')
  @HttpCode(200)
  async runFixity(@CurrentStaff() staff: StaffContext, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.fixity.run({ municipalityCode: staff.municipalityCode });
    await reply.view(
      'archive/connectors',
      await this.pageModel(staff, {
        fixityRun: {
          checked: result.checked,
          intact: result.intact,
          failed: result.failed.length,
          unreadable: result.unreadable,
        },
      }),
    );
  }

  @Get('archive/dead-letters')
  @Roles('admin', 'reviewer')
  @Render('archive/dead-letters')
  async deadLetters(@CurrentStaff() staff: StaffContext, @Query('retried') retried?: string) {
    const [entries, connectors] = await Promise.all([
      this.outbox.deadLetters(staff.municipalityCode),
      this.connectors.list(staff.municipalityCode),
    ]);
    return {
      ...(await this.staffService.pageFrame(staff)),
      pageTitle: { ja: '文書管理システムへの送付失敗', en: 'Failed archive deliveries' },
      isRetried: retried === '1',
      entries: entries.map((d) => toDeadLetterView(d, connectors)),
    };
  }

  @Post('archive/deliveries/:id/retry')
  @Roles('admin', 'reviewer')
  async retry(
    @CurrentStaff() staff: StaffContext,
    @Param('id', uuid) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.found(() => this.outbox.retry(staff.municipalityCode, id));
    await reply.redirect('/archive/dead-letters?retried=1', 303);
  }

  @Get('admin/archive/reconciliation.csv')
  @Roles('admin')
  async reconciliationReport(
    @CurrentStaff() staff: StaffContext,
    @Res() reply: FastifyReply,
    @Query('from') rawFrom?: unknown,
    @Query('to') rawTo?: unknown,
  ): Promise<void> {
    const from = reportDay('from', rawFrom);
    const to = reportDay('to', rawTo);
    if (from && to && from > to) {
      throw new SearchError(SearchErrorCode.DateOrder, 'from after to');
    }
    // `to` is inclusive: up to the start of the next day
    const end = to ? startOfJapaneseDay(to, 1) : new Date(Date.now() + 24 * 3600_000);
    const start = from ? startOfJapaneseDay(from) : new Date(end.getTime() - 31 * 24 * 3600_000);
    const rows = await reconciliation(this.db, staff.municipalityCode, start, end);
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header(
        'content-disposition',
        `attachment; filename="archive-reconciliation-${staff.municipalityCode}.csv"`,
      )
      .header('cache-control', 'private, no-store')
      .send(reconciliationCsv(rows));
  }

  private async saveOrShow(
    staff: StaffContext,
    input: ConnectorInput,
    id: string | undefined,
    reply: FastifyReply,
  ): Promise<void> {
    try {
      await this.found(() => this.connectors.save(staff.municipalityCode, input, id, staff));
      await reply.redirect('/admin/archive?saved=1', 303);
    } catch (e) {
      if (!(e instanceof ArchiveError) || e.code !== ArchiveErrorCode.BadSettings) {
        throw e;
      }
      // the page again with what was typed (never the secret) and what to fix
      const { secret: _secret, ...typed } = input;
      await reply.code(400).view(
        'archive/connectors',
        await this.pageModel(staff, {
          formError: { id: id ?? 'new', message: e.message },
          typed,
        }),
      );
    }
  }

  private async found<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (
        e instanceof ArchiveError &&
        (e.code === ArchiveErrorCode.ConnectorNotFound ||
          e.code === ArchiveErrorCode.DeliveryNotFound)
      ) {
        throw new NotFoundException();
      }
      throw e;
    }
  }

  private async pageModel(
    staff: StaffContext,
    extra: Parameters<typeof toConnectorsPage>[1] & { fixityRun?: Record<string, number> },
  ) {
    const [connectors, failures] = await Promise.all([
      this.connectors.list(staff.municipalityCode),
      this.fixity.failures(staff.municipalityCode),
    ]);
    return {
      ...(await this.staffService.pageFrame(staff)),
      pageTitle: { ja: '文書管理システム連携（接続先）', en: 'Archive connectors' },
      ...toConnectorsPage(connectors, extra),
      fixityRun: extra.fixityRun ?? null,
      fixityFailures: failures.map((d) => ({
        receiptNumber: d.receiptNumber,
        applicationId: d.applicationId,
        connectorName: connectors.find((c) => c.id === d.connectorId)?.name ?? d.connectorId,
        location: d.location,
        checkedAt: d.fixityCheckedAt?.toISOString() ?? null,
        differences: (d.fixityDetail ?? '').split('\n'),
      })),
    };
  }
}
