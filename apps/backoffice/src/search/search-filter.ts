import { DomainError } from '@madoguchi/common';
import { APPLICATION_STATUSES, type ApplicationStatus } from '@madoguchi/transfer';
import { foldName } from './applicant-name';

export enum SearchErrorCode {
  BadDate = 'SEARCH_BAD_DATE',
  DateOrder = 'SEARCH_DATE_ORDER',
  UnknownForm = 'SEARCH_UNKNOWN_FORM',
  UnknownStatus = 'SEARCH_UNKNOWN_STATUS',
  UnknownDepartment = 'SEARCH_UNKNOWN_DEPARTMENT',
  UnknownAssignee = 'SEARCH_UNKNOWN_ASSIGNEE',
  BadCursor = 'SEARCH_BAD_CURSOR',
  TooLong = 'SEARCH_TOO_LONG',
  BadValue = 'SEARCH_BAD_VALUE',
}

export class SearchError extends DomainError<SearchErrorCode> {}

/** What the staff member asked for; every value checked (a department or form they may not see is unknown). */
export interface SearchFilter {
  formId?: string;
  status?: ApplicationStatus;
  department?: string;
  /** a staff id, or 'none' for unassigned */
  assignee?: string;
  /** received on or after this day in Japan (YYYY-MM-DD) */
  from?: string;
  /** received on or before this day in Japan */
  to?: string;
  /** 受付番号, exact (NFKC, spaces removed) */
  receipt?: string;
  /** foldName of what was typed: a prefix of the 姓名 or of the セイメイ */
  name?: string;
}

/** The keyset position (received_at, id) of the first or last row of the page the link leaves from. */
export interface PageCursor {
  direction: 'after' | 'before';
  receivedAt: Date;
  id: string;
}

export interface SearchChoices {
  formIds: ReadonlySet<string>;
  departments: ReadonlySet<string>;
  /** undefined while assignment is not offered */
  assigneeIds?: ReadonlySet<string>;
}

export interface ParsedSearch {
  filter: SearchFilter;
  cursor?: PageCursor;
  /** what the staff member typed, to show it again */
  typed: Record<keyof SearchFilter, string>;
  problems: SearchErrorCode[];
}

const MAX_TEXT = 100;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function text(v: unknown): string | undefined {
  if (typeof v !== 'string') {
    return undefined;
  }
  const t = v.normalize('NFKC').trim();
  return t === '' ? undefined : t;
}

/** A calendar date YYYY-MM-DD (after NFKC: full-width digits are fine), or undefined. */
export function parseDay(value: string): string | undefined {
  const m = DAY.exec(value);
  if (!m) {
    return undefined;
  }
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1900 &&
    y <= 9999 &&
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d
    ? value
    : undefined;
}

/** The instant a day in Japan (UTC+9, no daylight saving) starts; `plusDays` 1 for the end of `to`. */
export function startOfJapaneseDay(day: string, plusDays = 0): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + plusDays) - 9 * 3600 * 1000);
}

export function encodeCursor(receivedAt: Date, id: string): string {
  return Buffer.from(`${receivedAt.toISOString()}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(value: string, direction: PageCursor['direction']): PageCursor {
  const raw = /^[A-Za-z0-9_-]{1,200}$/.test(value)
    ? Buffer.from(value, 'base64url').toString('utf8')
    : '';
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(.+)$/.exec(raw);
  const receivedAt = m ? new Date(m[1]) : undefined;
  if (!m || !receivedAt || Number.isNaN(receivedAt.getTime()) || !UUID.test(m[2])) {
    throw new SearchError(SearchErrorCode.BadCursor, 'page cursor not understood');
  }
  return { direction, receivedAt, id: m[2] };
}

/** Reads the list page's query string. Never throws: every problem is listed, the rest of the filter kept. */
export function parseSearchQuery(
  query: Record<string, unknown>,
  choices: SearchChoices,
): ParsedSearch {
  const problems = new Set<SearchErrorCode>();
  const filter: SearchFilter = {};
  const typed = {
    formId: '',
    status: '',
    department: '',
    assignee: '',
    from: '',
    to: '',
    receipt: '',
    name: '',
  };
  const take = (key: string, into: keyof SearchFilter): string | undefined => {
    const raw = query[key];
    if (raw !== undefined && typeof raw !== 'string') {
      problems.add(SearchErrorCode.BadValue); // a repeated parameter: not something the form sends
      return undefined;
    }
    const value = text(raw);
    if (value !== undefined && value.length > MAX_TEXT) {
      problems.add(SearchErrorCode.TooLong);
      return undefined;
    }
    typed[into] = value ?? '';
    return value;
  };

  const formId = take('form', 'formId');
  if (formId !== undefined) {
    if (choices.formIds.has(formId)) {
      filter.formId = formId;
    } else {
      problems.add(SearchErrorCode.UnknownForm);
    }
  }
  const status = take('status', 'status');
  if (status !== undefined) {
    if ((APPLICATION_STATUSES as readonly string[]).includes(status)) {
      filter.status = status as ApplicationStatus;
    } else {
      problems.add(SearchErrorCode.UnknownStatus);
    }
  }
  const department = take('department', 'department');
  if (department !== undefined) {
    if (choices.departments.has(department)) {
      filter.department = department;
    } else {
      problems.add(SearchErrorCode.UnknownDepartment);
    }
  }
  const assignee = take('assignee', 'assignee');
  if (assignee !== undefined && choices.assigneeIds) {
    if (assignee === 'none' || choices.assigneeIds.has(assignee)) {
      filter.assignee = assignee;
    } else {
      problems.add(SearchErrorCode.UnknownAssignee);
    }
  }
  for (const key of ['from', 'to'] as const) {
    const value = take(key, key);
    if (value !== undefined) {
      const day = parseDay(value);
      if (day) {
        filter[key] = day;
      } else {
        problems.add(SearchErrorCode.BadDate);
      }
    }
  }
  if (filter.from && filter.to && filter.from > filter.to) {
    problems.add(SearchErrorCode.DateOrder);
  }
  const receipt = take('receipt', 'receipt');
  if (receipt !== undefined) {
    filter.receipt = receipt.replace(/\s+/gu, '').toUpperCase();
  }
  const name = take('name', 'name');
  if (name !== undefined && foldName(name) !== '') {
    filter.name = foldName(name);
  }

  let cursor: PageCursor | undefined;
  for (const direction of ['after', 'before'] as const) {
    const raw = query[direction];
    if (raw === undefined || raw === '') {
      continue;
    }
    try {
      if (typeof raw !== 'string' || cursor) {
        throw new SearchError(SearchErrorCode.BadCursor, 'one page cursor at most');
      }
      cursor = decodeCursor(raw, direction);
    } catch {
      problems.add(SearchErrorCode.BadCursor);
      cursor = undefined;
    }
  }
  return { filter, cursor, typed, problems: [...problems] };
}

/** The query string of a filter (and a page), for links that keep it. */
export function searchQueryString(
  filter: SearchFilter,
  page?: { after?: string; before?: string },
): string {
  const params = new URLSearchParams();
  const put = (key: string, value: string | undefined) => {
    if (value) {
      params.set(key, value);
    }
  };
  put('form', filter.formId);
  put('status', filter.status);
  put('department', filter.department);
  put('assignee', filter.assignee);
  put('from', filter.from);
  put('to', filter.to);
  put('receipt', filter.receipt);
  put('name', filter.name);
  put('after', page?.after);
  put('before', page?.before);
  return params.toString();
}
