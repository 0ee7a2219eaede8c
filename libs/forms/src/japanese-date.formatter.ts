import { FormsError, FormsErrorCode } from './forms.error';

interface Era {
  name: string;
  /** first day, ISO */
  start: string;
  startYear: number;
}

// Each era's first day by the 改元 (Gregorian). Meiji dates are given only from 1873-01-01 (明治6年), when Japan
// adopted the Gregorian calendar; earlier Gregorian dates do not map one-to-one onto lunar-calendar era dates.
const ERAS: readonly Era[] = [
  { name: '令和', start: '2019-05-01', startYear: 2019 },
  { name: '平成', start: '1989-01-08', startYear: 1989 },
  { name: '昭和', start: '1926-12-25', startYear: 1926 },
  { name: '大正', start: '1912-07-30', startYear: 1912 },
  { name: '明治', start: '1873-01-01', startYear: 1868 },
];

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** 'YYYY-MM-DD' that is a real calendar date (no 2月30日), else undefined. */
export function parseIsoDate(value: string): CalendarDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) {
    return undefined;
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    year < 1 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    return undefined;
  }
  return { year, month, day };
}

export function toIsoDate(d: CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** Today's date in Japan (JST has no daylight saving: UTC+9 throughout). */
export function todayInJapan(now: Date): string {
  return new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}

export function addDays(isoDate: string, days: number): string {
  const d = parseIsoDate(isoDate);
  if (!d) {
    throw new FormsError(FormsErrorCode.InvalidDate, `not a date: ${isoDate}`);
  }
  return new Date(Date.UTC(d.year, d.month - 1, d.day + days)).toISOString().slice(0, 10);
}

/** '2025-05-01' → '令和7年5月1日'; the first year of an era is 元年. */
export function formatJapaneseDate(isoDate: string): string {
  const d = parseIsoDate(isoDate);
  if (!d) {
    throw new FormsError(FormsErrorCode.InvalidDate, `not a date: ${isoDate}`);
  }
  const era = ERAS.find((e) => isoDate >= e.start);
  if (!era) {
    return `${d.year}年${d.month}月${d.day}日`;
  }
  const eraYear = d.year - era.startYear + 1;
  return `${era.name}${eraYear === 1 ? '元' : String(eraYear)}年${d.month}月${d.day}日`;
}
