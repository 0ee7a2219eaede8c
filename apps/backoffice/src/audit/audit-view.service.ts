import type { DataSource } from 'typeorm';
import { AuditLogEntity } from '../database/entities/audit-log.entity';
import {
  parseDay,
  SearchError,
  SearchErrorCode,
  startOfJapaneseDay,
} from '../search/search-filter';
import { AuditAction } from './audit-action';
import type { AuditLog } from './audit-log';
import type { ChainVerdict } from './audit-chain';

export const AUDIT_PAGE_SIZE = 50;
const MAX_TEXT = 100;
const ACTIONS: ReadonlySet<string> = new Set(Object.values(AuditAction));

/** The viewer's filter (issue 5 §7); every value checked. */
export interface AuditFilter {
  /** on or after this day in Japan (YYYY-MM-DD) */
  from?: string;
  /** on or before this day in Japan */
  to?: string;
  actor?: string;
  action?: string;
  target?: string;
}

export interface AuditPage {
  entries: AuditLogEntity[];
  /** the `before` cursor of the next (older) page; undefined on the last page */
  older?: number;
}

/**
 * Reads the viewer's query string. A bad value is refused (400, Japanese message): the page links always send
 * good ones, so a bad one is typed or forged. The cursor is the seq the older page starts below.
 */
export function parseAuditQuery(query: Record<string, unknown>): {
  filter: AuditFilter;
  before?: number;
} {
  const take = (key: string): string | undefined => {
    const raw = query[key];
    if (raw === undefined) {
      return undefined;
    }
    if (typeof raw !== 'string') {
      throw new SearchError(SearchErrorCode.BadValue, `${key} repeated`);
    }
    const value = raw.normalize('NFKC').trim();
    if (value.length > MAX_TEXT) {
      throw new SearchError(SearchErrorCode.TooLong, `${key} too long`);
    }
    return value === '' ? undefined : value;
  };
  const filter: AuditFilter = {};
  for (const key of ['from', 'to'] as const) {
    const value = take(key);
    if (value !== undefined) {
      if (!parseDay(value)) {
        throw new SearchError(SearchErrorCode.BadDate, `${key} is not a day`);
      }
      filter[key] = value;
    }
  }
  if (filter.from && filter.to && filter.from > filter.to) {
    throw new SearchError(SearchErrorCode.DateOrder, 'from after to');
  }
  filter.actor = take('actor');
  filter.target = take('target');
  const action = take('action');
  if (action !== undefined) {
    if (!ACTIONS.has(action)) {
      throw new SearchError(SearchErrorCode.BadValue, 'unknown audit action');
    }
    filter.action = action;
  }
  const before = take('before');
  if (before === undefined) {
    return { filter };
  }
  const seq = /^[1-9]\d{0,14}$/.test(before) ? Number(before) : NaN;
  if (!Number.isSafeInteger(seq)) {
    throw new SearchError(SearchErrorCode.BadCursor, 'audit page cursor not understood');
  }
  return { filter, before: seq };
}

/** The query string of a filter (and a page), for links that keep it. */
export function auditQueryString(filter: AuditFilter, before?: number): string {
  const params = new URLSearchParams();
  for (const key of ['from', 'to', 'actor', 'action', 'target'] as const) {
    const value = filter[key];
    if (value) {
      params.set(key, value);
    }
  }
  if (before !== undefined) {
    params.set('before', String(before));
  }
  return params.toString();
}

/** The audit log as 監査者 and 管理者 read it: their municipality's entries only, newest first. Never appends. */
export class AuditViewService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditLog,
  ) {}

  async page(municipalityCode: string, filter: AuditFilter, before?: number): Promise<AuditPage> {
    const qb = this.db
      .getRepository(AuditLogEntity)
      .createQueryBuilder('a')
      .where('a.municipality_code = :code', { code: municipalityCode });
    if (filter.from) {
      qb.andWhere('a.occurred_at >= :from', {
        from: startOfJapaneseDay(filter.from).toISOString(),
      });
    }
    if (filter.to) {
      qb.andWhere('a.occurred_at < :to', { to: startOfJapaneseDay(filter.to, 1).toISOString() });
    }
    if (filter.actor) {
      qb.andWhere('a.actor_login_id = :actor', { actor: filter.actor });
    }
    if (filter.action) {
      qb.andWhere('a.action = :action', { action: filter.action });
    }
    if (filter.target) {
      qb.andWhere('a.target_id = :target', { target: filter.target });
    }
    if (before !== undefined) {
      qb.andWhere('a.seq < :before', { before });
    }
    const rows = await qb
      .orderBy('a.seq', 'DESC')
      .limit(AUDIT_PAGE_SIZE + 1)
      .getMany();
    const entries = rows.slice(0, AUDIT_PAGE_SIZE);
    return {
      entries,
      older: rows.length > AUDIT_PAGE_SIZE ? entries[entries.length - 1].seq : undefined,
    };
  }

  /**
   * The one chain (every municipality's entries are links of it), from the verified checkpoint on: a page view
   * stays fast with a large log. `npm run audit:verify` walks it all from the start.
   */
  verify(): Promise<ChainVerdict & { verifiedFromSeq: number }> {
    return this.audit.verifySinceCheckpoint(this.db);
  }
}
