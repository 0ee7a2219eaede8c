import { APPLICATION_STATUSES, type ApplicationStatus } from '@madoguchi/transfer';
import { In, type DataSource, type SelectQueryBuilder } from 'typeorm';
import type { StaffContext } from '../auth/staff-context';
import { ApplicationEntity } from '../database/entities/application.entity';
import { ApplicationTallyEntity } from '../database/entities/application-tally.entity';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import type { FormCatalog } from '../forms/form-catalog';
import {
  encodeCursor,
  startOfJapaneseDay,
  type PageCursor,
  type SearchChoices,
  type SearchFilter,
} from './search-filter';

export const PAGE_SIZE = 50;
const EXPORT_BATCH = 1000;

/** The columns a list row needs (never the answers). */
const LIST_COLUMNS = [
  'a.id',
  'a.receiptNumber',
  'a.formId',
  'a.titleJa',
  'a.titleEn',
  'a.status',
  'a.department',
  'a.applicantName',
  'a.submittedAt',
  'a.receivedAt',
  'a.assigneeId',
  'a.correctsReceiptNumber',
  'a.correctedByReceiptNumber',
  'a.disposedAt',
];

export type StatusCounts = Record<ApplicationStatus, number>;

export interface SearchPage {
  rows: ApplicationEntity[];
  /** per status, for the filter without its status (the status tabs) */
  counts: StatusCounts;
  /** cursors of the neighbouring pages; undefined at either end */
  next?: string;
  previous?: string;
}

/**
 * Search over a municipality's applications (issue 5 §5): every query is scoped to the staff member's municipality
 * and, for a reviewer, to their 担当課. Pages by keyset (received_at DESC, id DESC), so a page costs the same at
 * row 10 and at row 900,000, and rows arriving meanwhile never shift or repeat the next page.
 */
export class ApplicationSearchService {
  constructor(
    private readonly db: DataSource,
    private readonly forms: FormCatalog,
  ) {}

  /** The departments a staff member sees: a reviewer their 担当課, everyone else all (undefined). */
  visibleDepartments(staff: StaffContext): string[] | undefined {
    return staff.role === 'reviewer' ? staff.departments : undefined;
  }

  /** What the filter form offers this staff member: forms and departments they may see, assignees. */
  async choices(staff: StaffContext): Promise<{
    forms: Array<{ id: string; title: { ja: string; en?: string }; department: string }>;
    departments: string[];
    assignees: Array<{ id: string; displayName: string }>;
    known: SearchChoices;
  }> {
    const visible = this.visibleDepartments(staff);
    const forms = this.forms
      .formsOf(staff.municipalityCode)
      .filter((f) => !visible || visible.includes(f.department.ja))
      .map((f) => ({ id: f.id, title: f.title, department: f.department.ja }));
    const departments = [...new Set(forms.map((f) => f.department))].sort((a, b) =>
      a.localeCompare(b, 'ja'),
    );
    // who can be in charge: the municipality's reviewers and admins (ReviewWorkflow's eligible assignees)
    const assignees = await this.db.getRepository(StaffUserEntity).find({
      select: { id: true, displayName: true },
      where: { municipalityCode: staff.municipalityCode, role: In(['reviewer', 'admin']) },
      order: { displayName: 'ASC', id: 'ASC' },
    });
    return {
      forms,
      departments,
      assignees,
      known: {
        formIds: new Set(forms.map((f) => f.id)),
        departments: new Set(departments),
        assigneeIds: new Set(assignees.map((a) => a.id)),
      },
    };
  }

  async page(staff: StaffContext, filter: SearchFilter, cursor?: PageCursor): Promise<SearchPage> {
    const isBefore = cursor?.direction === 'before';
    const order = isBefore ? 'ASC' : 'DESC';
    // the page's keys first, from the index alone (a common name matches tens of thousands: sorting their keys is
    // cheap, sorting their rows is not), then those rows by primary key
    const qb = this.scoped(staff, filter)
      .select(['a.id', 'a.receivedAt'])
      .orderBy('a.received_at', order)
      .addOrderBy('a.id', order)
      .limit(PAGE_SIZE + 1);
    if (cursor) {
      qb.andWhere(`(a.received_at, a.id) ${isBefore ? '>' : '<'} (:cursorAt, :cursorId)`, {
        cursorAt: cursor.receivedAt,
        cursorId: cursor.id,
      });
    }
    const [keys, counts] = await Promise.all([qb.getMany(), this.counts(staff, filter)]);
    const byId = new Map(
      keys.length === 0
        ? []
        : (
            await this.db
              .getRepository(ApplicationEntity)
              .createQueryBuilder('a')
              .select(LIST_COLUMNS)
              .where('a.id IN (:...ids)', { ids: keys.map((k) => k.id) })
              .getMany()
          ).map((a) => [a.id, a]),
    );
    const found = keys.map((k) => byId.get(k.id)).filter((a) => a !== undefined);
    const hasMore = found.length > PAGE_SIZE;
    const rows = found.slice(0, PAGE_SIZE);
    if (isBefore) {
      rows.reverse();
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    const hasNext = isBefore ? rows.length > 0 : hasMore;
    const hasPrevious = isBefore ? hasMore : cursor !== undefined && rows.length > 0;
    return {
      rows,
      counts,
      next: hasNext && last ? encodeCursor(last.receivedAt, last.id) : undefined,
      previous: hasPrevious && first ? encodeCursor(first.receivedAt, first.id) : undefined,
    };
  }

  /**
   * Applications per status for the filter without its status. From the tally (kept by triggers) when the filter
   * is made of what the tally holds (form, department, days); counted from the rows when it names a person
   * (name, receipt number, assignee), which the indexes keep to a few rows.
   */
  async counts(staff: StaffContext, filter: SearchFilter): Promise<StatusCounts> {
    const counts = Object.fromEntries(APPLICATION_STATUSES.map((s) => [s, 0])) as StatusCounts;
    const withoutStatus = { ...filter, status: undefined };
    let rows: Array<{ status: string; n: string | number | null }>;
    if (filter.name || filter.receipt || filter.assignee) {
      rows = await this.scoped(staff, withoutStatus, true)
        .select('a.status', 'status')
        .addSelect('COUNT(*)', 'n')
        .groupBy('a.status')
        .getRawMany();
    } else {
      const qb = this.db
        .getRepository(ApplicationTallyEntity)
        .createQueryBuilder('t')
        .select('t.status', 'status')
        .addSelect('SUM(t.count)', 'n')
        .where('t.municipality_code = :code', { code: staff.municipalityCode })
        .groupBy('t.status');
      const visible = this.visibleDepartments(staff);
      if (visible) {
        qb.andWhere(visible.length > 0 ? 't.department IN (:...visible)' : '1 = 0', { visible });
      }
      if (filter.formId) {
        qb.andWhere('t.form_id = :formId', { formId: filter.formId });
      }
      if (filter.department) {
        qb.andWhere('t.department = :department', { department: filter.department });
      }
      if (filter.from) {
        qb.andWhere('t.received_day >= :from', { from: filter.from });
      }
      if (filter.to) {
        qb.andWhere('t.received_day <= :to', { to: filter.to });
      }
      rows = await qb.getRawMany();
    }
    for (const row of rows) {
      if (row.status in counts) {
        counts[row.status as ApplicationStatus] = Number(row.n ?? 0);
      }
    }
    return counts;
  }

  /**
   * Every application of the filter, newest first, in keyset batches: one batch in memory at a time, the next
   * read only when the consumer asks for it (the CSV export's backpressure).
   */
  async *iterate(
    staff: StaffContext,
    filter: SearchFilter,
    withAnswers: boolean,
  ): AsyncGenerator<ApplicationEntity[]> {
    let cursor: { at: Date; id: string } | undefined;
    for (;;) {
      const qb = this.scoped(staff, filter)
        .select(withAnswers ? [...LIST_COLUMNS, 'a.answers'] : LIST_COLUMNS)
        .orderBy('a.received_at', 'DESC')
        .addOrderBy('a.id', 'DESC')
        .limit(EXPORT_BATCH);
      if (cursor) {
        qb.andWhere('(a.received_at, a.id) < (:cursorAt, :cursorId)', {
          cursorAt: cursor.at,
          cursorId: cursor.id,
        });
      }
      const batch = await qb.getMany();
      if (batch.length > 0) {
        yield batch;
      }
      if (batch.length < EXPORT_BATCH) {
        return;
      }
      const last = batch[batch.length - 1];
      cursor = { at: last.receivedAt, id: last.id };
    }
  }

  /** The WHERE of every query here: municipality, departments the staff member sees, then the filter. */
  private scoped(
    staff: StaffContext,
    filter: SearchFilter,
    forCount = false,
  ): SelectQueryBuilder<ApplicationEntity> {
    const qb = this.db
      .getRepository(ApplicationEntity)
      .createQueryBuilder('a')
      .where('a.municipality_code = :code', { code: staff.municipalityCode });
    const visible = this.visibleDepartments(staff);
    if (visible) {
      qb.andWhere(visible.length > 0 ? 'a.department IN (:...visible)' : '1 = 0', { visible });
    }
    if (filter.formId) {
      qb.andWhere('a.form_id = :formId', { formId: filter.formId });
    }
    if (filter.status) {
      qb.andWhere('a.status = :status', { status: filter.status });
    }
    if (filter.department) {
      qb.andWhere('a.department = :department', { department: filter.department });
    }
    if (filter.from) {
      qb.andWhere('a.received_at >= :fromAt', { fromAt: startOfJapaneseDay(filter.from) });
    }
    if (filter.to) {
      qb.andWhere('a.received_at < :toAt', { toAt: startOfJapaneseDay(filter.to, 1) });
    }
    if (filter.assignee === 'none') {
      qb.andWhere('a.assignee_id IS NULL');
    } else if (filter.assignee) {
      // SQLite: unary + keeps the planner off (municipality_code, assignee_id), which has neither status nor the
      // keyset order and made a page sort every row of the assignee; the keyset index finds 50 of theirs quickly
      const column =
        this.db.options.type === 'postgres' || forCount ? 'a.assignee_id' : '+a.assignee_id';
      qb.andWhere(`${column} = :assignee`, { assignee: filter.assignee });
    }
    if (filter.receipt) {
      qb.andWhere('a.receipt_number = :receipt', { receipt: filter.receipt });
    }
    if (filter.name) {
      this.whereName(qb, filter.name);
    }
    return qb;
  }

  /**
   * A prefix of the folded 姓名, or (for katakana) of the folded セイメイ too. SQLite: a range on the BINARY index;
   * PostgreSQL: LIKE 'prefix%' on the varchar_pattern_ops index (right under any collation).
   */
  private whereName(qb: SelectQueryBuilder<ApplicationEntity>, name: string): void {
    const columns = /^[\u30a0-\u30ff]+$/u.test(name)
      ? ['a.search_name', 'a.search_kana']
      : ['a.search_name'];
    if (this.db.options.type === 'postgres') {
      const pattern = `${name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere(`(${columns.map((c) => `${c} LIKE :namePattern`).join(' OR ')})`, {
        namePattern: pattern,
      });
      return;
    }
    // the least string above every string starting with `name`: its last character plus one
    const points = [...name];
    const lastPoint = points.pop()!.codePointAt(0)!;
    const upper =
      lastPoint >= 0xd7ff && lastPoint < 0xe000
        ? `${name}\u{10ffff}`
        : points.join('') + String.fromCodePoint(Math.min(lastPoint + 1, 0x10ffff));
    qb.andWhere(
      `(${columns.map((c) => `(${c} >= :nameFrom AND ${c} < :nameUpTo)`).join(' OR ')})`,
      { nameFrom: name, nameUpTo: upper },
    );
  }
}
