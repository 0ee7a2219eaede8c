import { APPLICATION_STATUSES, type ApplicationStatus } from '@madoguchi/transfer';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { archiveTestDatabase } from '../archive/testing/archive-test-database';
import type { StaffContext } from '../auth/staff-context';
import { ApplicationEntity } from '../database/entities/application.entity';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { FormCatalog } from '../forms/form-catalog';
import { foldName } from './applicant-name';
import { ApplicationSearchService, PAGE_SIZE, WALK_ABOVE } from './application-search.service';
import type { PageCursor, SearchFilter } from './search-filter';

const HOME = '990019';
const OTHER = '131016';
const ROWS = 2400;
// about as skewed as bench:backoffice: one name in eight is 佐藤
const FAMILIES: Array<[string, string]> = [
  ['佐藤', 'サトウ'],
  ['鈴木', 'スズキ'],
  ['高橋', 'タカハシ'],
  ['山下', 'ヤマシタ'],
  ['田中', 'タナカ'],
  ['山田', 'ヤマダ'],
  ['伊藤', 'イトウ'],
  ['渡辺', 'ワタナベ'],
];
const GIVEN: Array<[string, string]> = [
  ['花子', 'ハナコ'],
  ['太郎', 'タロウ'],
  ['結衣', 'ユイ'],
  ['誠', 'マコト'],
  ['陽菜', 'ヒナ'],
];

const viewer: StaffContext = {
  id: randomUUID(),
  loginId: 'viewer',
  displayName: 'viewer',
  role: 'viewer',
  municipalityCode: HOME,
  departments: [],
  mustChangePassword: false,
  isPlatformAdmin: false,
  pendingFactor: null,
  hasTotp: false,
  mustEnrolTotp: false,
  sessionHash: 'x',
};

/**
 * The query plans of the search at scale (issue 5 §5), on the real schema: each slow case of bench:backoffice reads
 * the index meant for it. SQLite: EXPLAIN QUERY PLAN, with no statistics and after ANALYZE (the planner must not
 * depend on them), never a full scan and no sort where the index gives the order. PostgreSQL: EXPLAIN with
 * sequential scans priced out, the index named. Then the plans that differ only by the planner's hints give the
 * same rows.
 */
describe('application search query plans (database)', () => {
  let dir: string;
  let db: DataSource;
  let search: ApplicationSearchService;
  /** eight reviewers sharing the work, and one with two applications */
  let busy: string;
  let others: string[];
  let rare: string;
  let isPostgres: boolean;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'search-plans-'));
    ({ db } = await archiveTestDatabase('search_plans', dir));
    isPostgres = db.options.type === 'postgres';
    search = new ApplicationSearchService(db, new FormCatalog([], []));
    const now = new Date();
    const staff = ['busy', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'rare'].map(
      (name): StaffUserEntity => ({
        id: randomUUID(),
        loginId: `search-plans-${name}`,
        displayName: name,
        passwordHash: 'not a hash: nobody logs in',
        mustChangePassword: false,
        role: 'reviewer',
        municipalityCode: HOME,
        departments: ['市民課'],
        failedLoginCount: 0,
        lockedUntil: null,
        createdAt: now,
        passwordChangedAt: now,
        isPlatformAdmin: false,
        isDisabled: false,
        totpSecret: null,
        totpEnabledAt: null,
        totpLastStep: null,
      }),
    );
    await db.getRepository(StaffUserEntity).insert(staff);
    [busy, ...others] = staff.map((s) => s.id);
    rare = others.pop()!;
    const start = Date.UTC(2026, 0, 1);
    const rows: ApplicationEntity[] = [];
    for (let i = 0; i < ROWS; i++) {
      const [family, familyKana] = FAMILIES[i % FAMILIES.length];
      const [given, givenKana] = GIVEN[Math.floor(i / FAMILIES.length) % GIVEN.length];
      const status = APPLICATION_STATUSES[i % APPLICATION_STATUSES.length];
      // every hour, some on the same second (the keyset's id breaks the tie)
      const receivedAt = new Date(start + Math.floor(i / 2) * 3_600_000);
      rows.push({
        id: randomUUID(),
        portalId: `plans-${i}`,
        receiptNumber: `20260101-${String(i).padStart(8, '0')}`,
        municipalityCode: i % 10 === 9 ? OTHER : HOME,
        formId: i % 3 === 0 ? 'sodai-gomi' : 'tenshutsu',
        formVersion: 1,
        formSha256: 'a'.repeat(64),
        titleJa: '申請',
        titleEn: null,
        answers: {},
        status,
        statusVersion: 0,
        submittedAt: receivedAt,
        receivedAt,
        updatedAt: receivedAt,
        assigneeId:
          status === 'received' ? null : i === 1 || i === 7 ? rare : [busy, ...others][i % 8],
        correctsReceiptNumber: null,
        correctedByReceiptNumber: null,
        department: '市民課',
        applicantName: `${family} ${given}`,
        searchName: foldName(family + given),
        searchKana: foldName(familyKana + givenKana),
      });
    }
    for (let i = 0; i < rows.length; i += 200) {
      await db.getRepository(ApplicationEntity).insert(rows.slice(i, i + 200));
    }
  });

  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function plan(qb: SelectQueryBuilder<ApplicationEntity>): Promise<string> {
    const [sql, params] = qb.getQueryAndParameters();
    if (!isPostgres) {
      const rows: Array<{ detail: string }> = await db.query(`EXPLAIN QUERY PLAN ${sql}`, params);
      return rows.map((r) => r.detail).join('\n');
    }
    const runner = db.createQueryRunner();
    try {
      await runner.connect();
      await runner.query('SET enable_seqscan = off');
      const rows: Array<{ 'QUERY PLAN': string }> = await runner.query(`EXPLAIN ${sql}`, params);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await runner.query('RESET enable_seqscan');
      await runner.release();
    }
  }

  /** SQLite: reads `index` with exactly these constraints, never scans a table or index, sorts only if `sorts`. */
  function expectSqlite(text: string, index: string, sorts = false): void {
    expect(text).toContain(index);
    expect(text).not.toMatch(/\bSCAN\b/);
    if (sorts) {
      expect(text).toContain('USE TEMP B-TREE FOR ORDER BY');
    } else {
      expect(text).not.toContain('TEMP B-TREE');
    }
  }

  function expectPostgres(text: string, index: string): void {
    expect(text).toContain(`"${index}"`);
    expect(text).not.toContain('Seq Scan');
  }

  const cursorOf = (at: Date, id: string): PageCursor => ({
    direction: 'after',
    receivedAt: at,
    id,
  });
  const sato = (): SearchFilter => ({ name: foldName('佐藤') });

  describe.each([
    ['without planner statistics (SQLite; PostgreSQL is analyzed, as autovacuum does)', false],
    ['after ANALYZE', true],
  ])('%s', (_label, analyze) => {
    beforeAll(async () => {
      if (analyze || isPostgres) {
        await db.query('ANALYZE');
      }
    });

    it('counts an assignee per status from one IDX_application_list_assignee range each', async () => {
      for (const filter of [{ assignee: busy }, { assignee: 'none' }]) {
        const queries = search.countsQueries(viewer, filter);
        expect(queries).toHaveLength(APPLICATION_STATUSES.length);
        for (const qb of queries) {
          const text = await plan(qb);
          if (isPostgres) {
            expectPostgres(text, 'IDX_application_list_assignee');
          } else {
            expectSqlite(
              text,
              'COVERING INDEX IDX_application_list_assignee (municipality_code=? AND assignee_id=? AND status=?)',
            );
          }
        }
      }
    });

    it('counts a name from its own index, not from every row of the municipality', async () => {
      const kanji = await plan(search.countsQueries(viewer, sato())[0]);
      const kana = await plan(search.countsQueries(viewer, { name: foldName('さとう') })[0]);
      const inMonth = await plan(
        search.countsQueries(viewer, { ...sato(), from: '2026-01-10', to: '2026-02-09' })[0],
      );
      if (isPostgres) {
        expectPostgres(kanji, 'IDX_application_search_name');
        expectPostgres(kana, 'IDX_application_search_kana');
        expectPostgres(inMonth, 'IDX_application_search_name');
        return;
      }
      const nameRange =
        'COVERING INDEX IDX_application_search_name (municipality_code=? AND search_name>? AND search_name<?)';
      expectSqlite(kanji, nameRange);
      expectSqlite(inMonth, nameRange);
      // katakana: the name or the kana, each from its index
      expectSqlite(
        kana,
        'IDX_application_search_kana (municipality_code=? AND search_kana>? AND search_kana<?)',
      );
      expect(kana).toContain('IDX_application_search_name (municipality_code=? AND search_name>?');
    });

    it('pages an assignee with a status in keyset order from IDX_application_list_assignee, no sort', async () => {
      const cursor = cursorOf(new Date(Date.UTC(2026, 1, 1)), 'f'.repeat(36));
      for (const filter of [
        { assignee: busy, status: 'in_review' as ApplicationStatus },
        { assignee: 'none', status: 'received' as ApplicationStatus },
      ]) {
        const text = await plan(search.keysQuery(viewer, filter, cursor, 5));
        if (isPostgres) {
          expectPostgres(text, 'IDX_application_list_assignee');
        } else {
          expectSqlite(
            text,
            'COVERING INDEX IDX_application_list_assignee (municipality_code=? AND assignee_id=? AND status=? AND (received_at,id)<(?,?))',
          );
        }
      }
    });

    it('pages a person with few matches from their index (a bounded sort), with many by walking the keyset index', async () => {
      const cursor = cursorOf(new Date(Date.UTC(2026, 1, 1)), 'f'.repeat(36));
      const few = WALK_ABOVE;
      const many = WALK_ABOVE + 1;
      const rareAssignee = await plan(search.keysQuery(viewer, { assignee: rare }, cursor, few));
      const rareName = await plan(
        search.keysQuery(
          viewer,
          { name: foldName('山田花子'), from: '2026-01-01', to: '2026-03-31' },
          cursor,
          few,
        ),
      );
      const busyAssignee = await plan(search.keysQuery(viewer, { assignee: busy }, cursor, many));
      const commonName = await plan(search.keysQuery(viewer, sato(), cursor, many));
      const commonNameStatus = await plan(
        search.keysQuery(viewer, { ...sato(), status: 'completed' }, cursor, many),
      );
      if (isPostgres) {
        // PostgreSQL weighs the two itself; its plan names one of the indexes either way
        expect(rareAssignee).not.toContain('Seq Scan');
        expect(rareName).not.toContain('Seq Scan');
        return;
      }
      expectSqlite(
        rareAssignee,
        'COVERING INDEX IDX_application_list_assignee (municipality_code=? AND assignee_id=?)',
        true,
      );
      expectSqlite(
        rareName,
        'COVERING INDEX IDX_application_search_name (municipality_code=? AND search_name>? AND search_name<?)',
        true,
      );
      expectSqlite(
        busyAssignee,
        'IDX_application_list_received (municipality_code=? AND (received_at,id)<(?,?))',
      );
      expectSqlite(
        commonName,
        'IDX_application_list_received (municipality_code=? AND (received_at,id)<(?,?))',
      );
      expectSqlite(
        commonNameStatus,
        'IDX_application_list_status (municipality_code=? AND status=? AND (received_at,id)<(?,?))',
      );
    });
  });

  it('gives the same pages and counts whichever index leads', async () => {
    const filters: SearchFilter[] = [
      sato(),
      { name: foldName('ヤマシタ'), status: 'completed' },
      { assignee: busy },
      { assignee: 'none' },
      { assignee: rare },
      { ...sato(), from: '2026-01-20', to: '2026-03-01' },
    ];
    const rows = await db.getRepository(ApplicationEntity).find({
      select: {
        id: true,
        receivedAt: true,
        status: true,
        assigneeId: true,
        searchName: true,
        searchKana: true,
      },
      where: { municipalityCode: HOME },
    });
    for (const filter of filters) {
      // the truth, from the rows themselves
      const from = filter.from ? Date.parse(`${filter.from}T00:00:00+09:00`) : -Infinity;
      const to = filter.to ? Date.parse(`${filter.to}T00:00:00+09:00`) + 86_400_000 : Infinity;
      const kana = filter.name !== undefined && /^[\u30a0-\u30ff]+$/u.test(filter.name);
      const anyStatus = rows.filter(
        (a) =>
          (!filter.assignee ||
            a.assigneeId === (filter.assignee === 'none' ? null : filter.assignee)) &&
          (!filter.name ||
            a.searchName!.startsWith(filter.name) ||
            (kana && a.searchKana!.startsWith(filter.name))) &&
          a.receivedAt.getTime() >= from &&
          a.receivedAt.getTime() < to,
      );
      const matching = anyStatus.filter((a) => !filter.status || a.status === filter.status);
      const counts = await search.counts(viewer, filter);
      expect(counts).toEqual(
        Object.fromEntries(
          APPLICATION_STATUSES.map((s) => [s, anyStatus.filter((a) => a.status === s).length]),
        ),
      );
      // both plans, three pages deep: the same keys in the same order, newest first, all matching
      const pages: string[][] = [];
      for (const matches of [1, WALK_ABOVE + 1]) {
        const seen: string[] = [];
        let cursor: PageCursor | undefined;
        for (let p = 0; p < 3; p++) {
          const keys = await search.keysQuery(viewer, filter, cursor, matches).getMany();
          const page = keys.slice(0, PAGE_SIZE);
          seen.push(...page.map((k) => k.id));
          const times = page.map((k) => k.receivedAt.getTime());
          expect(times).toEqual([...times].sort((x, y) => y - x));
          const last = page[page.length - 1];
          if (!last || keys.length <= PAGE_SIZE) {
            break;
          }
          cursor = cursorOf(last.receivedAt, last.id);
        }
        pages.push(seen);
      }
      const ids = new Set(matching.map((a) => a.id));
      expect(pages[0].length).toBe(Math.min(matching.length, 3 * PAGE_SIZE));
      expect(pages[0].every((id) => ids.has(id))).toBe(true);
      expect(new Set(pages[0]).size).toBe(pages[0].length);
      expect(pages[1]).toEqual(pages[0]);
    }
  });
});
