import { todayInJapan } from '@madoguchi/forms';

/**
 * 保存期間 of Japanese public records: counted from April 1 of the fiscal year after the one the record was made in
 * (公文書等の管理に関する法律施行令 第8条第6項: 文書作成取得日の属する年度の翌年度の4月1日; municipal 文書管理規程
 * follow it). N years from that April 1 end on March 31 of the fiscal year N − 1 later:
 * accepted 2026-05-10 (年度 2026), 5 years → counted from 2027-04-01 → retained until 2032-03-31.
 * Dates are Japanese calendar dates (JST, UTC+9 without daylight saving), never UTC ones.
 */
export function fiscalYearOf(isoDate: string): number {
  const [year, month] = isoDate.split('-').map(Number);
  return month >= 4 ? year : year - 1;
}

/** The last day of retention, 'YYYY-MM-DD', for a record made at `madeAt` (an instant) and kept `years` years. */
export function retentionEndDate(madeAt: Date, years: number): string {
  if (!Number.isInteger(years) || years < 1) {
    throw new RangeError(`retention years must be a positive integer, got ${years}`);
  }
  const fiscalYear = fiscalYearOf(todayInJapan(madeAt));
  return `${String(fiscalYear + 1 + years).padStart(4, '0')}-03-31`;
}

/** Past retention once the end date is over in Japan: disposable from the April 1 after it. */
export function isPastRetention(retentionEnd: string, now: Date): boolean {
  return todayInJapan(now) > retentionEnd;
}
