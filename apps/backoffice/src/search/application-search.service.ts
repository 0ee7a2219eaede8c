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
/**
 * SQLite, a page of a filter naming a person: up to this many matching rows, the person's index leads and their
 * keys are sorted (at most ~2 ms); above, the keyset index is walked (about PAGE_SIZE × rows / matches rows read).
 */
export const WALK_ABOVE = 10_000;
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
    // the counts first: how many rows match tells which index should lead the page's keys (keysQuery)
    const counts = await this.counts(staff, filter);
    const matches = filter.status
      ? counts[filter.status]
      : APPLICATION_STATUSES.reduce((sum, s) => sum + counts[s], 0);
    const keys = await this.keysQuery(staff, filter, cursor, matches).getMany();
    const isBefore = cursor?.direction === 'before';
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
   * The keys (id, received_at) of a page, from an index alone, one more than a page. On SQLite, `matches` (how many
   * rows the whole filter matches) picks the plan when the filter names a person (applicant name, or an assignee
   * without a status): up to WALK_ABOVE matches, that person's own index leads and their keys are sorted (the
   * keyset order hidden from the planner, which otherwise may walk a million rows for a few); above, the keyset
   * index is walked in order and the person checked row by row (a common surname is every ~15th row: a page reads a
   * few hundred rows, where sorting 60,000 keys took longer). An assignee with a status is one range of
   * IDX_application_list_assignee already in keyset order. PostgreSQL's planner weighs this with its statistics.
   */
  keysQuery(
    staff: StaffContext,
    filter: SearchFilter,
    cursor: PageCursor | undefined,
    matches: number,
  ): SelectQueryBuilder<ApplicationEntity> {
    const isBefore = cursor?.direction === 'before';
    const order = isBefore ? 'ASC' : 'DESC';
    const sorted =
      this.db.options.type !== 'postgres' &&
      filter.receipt === undefined &&
      (filter.name !== undefined || (filter.assignee !== undefined && !filter.status));
    const walk = sorted && matches > WALK_ABOVE;
    const hideTime = sorted && !walk;
    const qb = this.scoped(staff, filter, { person: walk, time: hideTime })
      .select(['a.id', 'a.receivedAt'])
      .orderBy(hideTime ? '+a.received_at' : 'a.received_at', order)
      .addOrderBy(hideTime ? '+a.id' : 'a.id', order)
      .limit(PAGE_SIZE + 1);
    if (cursor) {
      const key = hideTime ? '(+a.received_at, +a.id)' : '(a.received_at, a.id)';
      qb.andWhere(`${key} ${isBefore ? '>' : '<'} (:cursorAt, :cursorId)`, {
        cursorAt: cursor.receivedAt,
        cursorId: cursor.id,
      });
    }
    return qb;
  }

  /**
   * Applications per status for the filter without its status. From the tally (kept by triggers) when the filter
   * is made of what the tally holds (form, department, days); counted from the rows when it names a person
   * (countsQueries; a GROUP BY status made SQLite prefer an index already ordered by status and read every row of
   * the municipality instead).
   */
  async counts(staff: StaffContext, filter: SearchFilter): Promise<StatusCounts> {
    const counts = Object.fromEntries(APPLICATION_STATUSES.map((s) => [s, 0])) as StatusCounts;
    if (filter.name || filter.receipt || filter.assignee) {
      const queries = this.countsQueries(staff, filter);
      const rows = await Promise.all(
        queries.map((q) => q.getRawOne<Record<string, string | number | null>>()),
      );
      APPLICATION_STATUSES.forEach((s, i) => {
        // one query per status (column n), or one with a column per status (n0…n4)
        const n = queries.length === 1 ? rows[0]?.[`n${i}`] : rows[i]?.n;
        counts[s] = Number(n ?? 0);
      });
      return counts;
    }
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
    const rows: Array<{ status: string; n: string | number | null }> = await qb.getRawMany();
    for (const row of rows) {
      if (row.status in counts) {
        counts[row.status as ApplicationStatus] = Number(row.n ?? 0);
      }
    }
    return counts;
  }

  /**
   * The counting of a filter that names a person (without its status). An assignee (no name, no receipt number):
   * one query per status in APPLICATION_STATUSES' order (column n), each one range of IDX_application_list_assignee
   * counted without reading a column, 3× faster than reading every entry's status. Otherwise one query with a
   * column per status (n0…n4): one pass over the name's or receipt number's index entries.
   */
  countsQueries(
    staff: StaffContext,
    filter: SearchFilter,
  ): SelectQueryBuilder<ApplicationEntity>[] {
    if (filter.assignee && !filter.name && !filter.receipt) {
      return APPLICATION_STATUSES.map((status) =>
        this.scoped(staff, { ...filter, status }, { time: true }).select('COUNT(*)', 'n'),
      );
    }
    const qb = this.scoped(staff, { ...filter, status: undefined }, { time: true }).select([]);
    APPLICATION_STATUSES.forEach((s, i) => {
      qb.addSelect(`COUNT(CASE WHEN a.status = :countStatus${i} THEN 1 END)`, `n${i}`);
      qb.setParameter(`countStatus${i}`, s);
    });
    return [qb];
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
      const qb = this.scoped(staff, filter, { assignee: true })
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

  /**
   * The WHERE of every query here: municipality, departments the staff member sees, then the filter. On SQLite,
   * `hide` keeps columns away from the planner (unary +: still compared, no longer an index key), so the index
   * meant to lead does: 'person' hides name and assignee (a keyset index is walked in order), 'time' hides
   * received_at (the dates and the page cursor, which otherwise draw a keyset index into reading every row older
   * than the cursor). PostgreSQL ignores it.
   */
  private scoped(
    staff: StaffContext,
    filter: SearchFilter,
    hide: { person?: boolean; assignee?: boolean; time?: boolean } = {},
  ): SelectQueryBuilder<ApplicationEntity> {
    const sqlite = this.db.options.type !== 'postgres';
    const hideName = sqlite && hide.person === true;
    const hideAssignee = sqlite && (hide.person === true || hide.assignee === true);
    const time = sqlite && hide.time === true ? '+a.received_at' : 'a.received_at';
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
      qb.andWhere(`${time} >= :fromAt`, { fromAt: startOfJapaneseDay(filter.from) });
    }
    if (filter.to) {
      qb.andWhere(`${time} < :toAt`, { toAt: startOfJapaneseDay(filter.to, 1) });
    }
    const assignee = hideAssignee ? '+a.assignee_id' : 'a.assignee_id';
    if (filter.assignee === 'none') {
      qb.andWhere(`${assignee} IS NULL`);
    } else if (filter.assignee) {
      qb.andWhere(`${assignee} = :assignee`, { assignee: filter.assignee });
    }
    if (filter.receipt) {
      qb.andWhere('a.receipt_number = :receipt', { receipt: filter.receipt });
    }
    if (filter.name) {
      this.whereName(qb, filter.name, hideName);
    }
    return qb;
  }

  /**
   * A prefix of the folded 姓名, or (for katakana) of the folded セイメイ too. SQLite: a range on the BINARY index;
   * PostgreSQL: LIKE 'prefix%' on the varchar_pattern_ops index (right under any collation).
   */
  private whereName(
    qb: SelectQueryBuilder<ApplicationEntity>,
    name: string,
    hidden: boolean,
  ): void {
    const columns = (
      /^[\u30a0-\u30ff]+$/u.test(name) ? ['a.search_name', 'a.search_kana'] : ['a.search_name']
    ).map((c) => (hidden ? `+${c}` : c));
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
