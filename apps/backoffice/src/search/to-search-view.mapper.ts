import type { LocalizedText } from '@madoguchi/forms';
import { APPLICATION_STATUSES, STATUS_LABELS } from '@madoguchi/transfer';
import { searchErrorMessage } from '../web/error-messages';
import type { SearchPage } from './application-search.service';
import { searchQueryString, type ParsedSearch } from './search-filter';

export interface SearchViewInput {
  parsed: ParsedSearch;
  /** undefined when the query had problems (nothing was searched) */
  page: SearchPage | undefined;
  forms: Array<{ id: string; title: LocalizedText }>;
  departments: string[];
  assignees?: Array<{ id: string; displayName: string }>;
  /** display names of the assignees on the page */
  staffNames?: Map<string, string>;
}

function href(path: string, query: string): string {
  return query ? `${path}?${query}` : path;
}

/** The list page: the filter form as typed, status tabs with counts that keep the filter, rows, page links. */
export function toSearchView({
  parsed,
  page,
  forms,
  departments,
  assignees,
  staffNames = new Map(),
}: SearchViewInput) {
  const { filter, typed } = parsed;
  const counts = page?.counts;
  const total = counts ? APPLICATION_STATUSES.reduce((sum, s) => sum + counts[s], 0) : 0;
  return {
    typed,
    problems: parsed.problems.map(searchErrorMessage),
    hasProblems: parsed.problems.length > 0,
    formOptions: forms.map((f) => ({ ...f, isSelected: f.id === typed.formId })),
    departmentOptions: departments.map((d) => ({ name: d, isSelected: d === typed.department })),
    assigneeOptions: assignees?.map((a) => ({ ...a, isSelected: a.id === typed.assignee })),
    isUnassignedSelected: typed.assignee === 'none',
    statusOptions: APPLICATION_STATUSES.map((s) => ({
      value: s,
      label: STATUS_LABELS[s],
      isSelected: s === typed.status,
    })),
    hasCounts: counts !== undefined,
    total,
    isAll: filter.status === undefined,
    allHref: href('/applications', searchQueryString({ ...filter, status: undefined })),
    statuses: APPLICATION_STATUSES.map((s) => ({
      value: s,
      label: STATUS_LABELS[s],
      count: counts?.[s] ?? 0,
      isCurrent: s === filter.status,
      href: href('/applications', searchQueryString({ ...filter, status: s })),
    })),
    rows: (page?.rows ?? []).map((a) => ({
      id: a.id,
      receiptNumber: a.receiptNumber,
      title: a.titleEn ? { ja: a.titleJa, en: a.titleEn } : { ja: a.titleJa },
      applicant: a.applicantName ?? '',
      department: a.department ?? '',
      status: { value: a.status, label: STATUS_LABELS[a.status] },
      receivedAt: a.receivedAt.toISOString(),
      assignee: a.assigneeId ? (staffNames.get(a.assigneeId) ?? a.assigneeId) : '',
      correctsReceiptNumber: a.correctsReceiptNumber ?? '',
      correctedByReceiptNumber: a.correctedByReceiptNumber ?? '',
      isDisposed: Boolean(a.disposedAt),
    })),
    nextHref: page?.next
      ? href('/applications', searchQueryString(filter, { after: page.next }))
      : undefined,
    previousHref: page?.previous
      ? href('/applications', searchQueryString(filter, { before: page.previous }))
      : undefined,
    exportHref: href('/applications/export.csv', searchQueryString(filter)),
  };
}
