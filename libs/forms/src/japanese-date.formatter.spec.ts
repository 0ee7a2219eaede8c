import { FormsError } from './forms.error';
import { addDays, formatJapaneseDate, parseIsoDate, todayInJapan } from './japanese-date.formatter';

describe('formatJapaneseDate', () => {
  it.each([
    ['2025-05-01', '令和7年5月1日'],
    ['2019-05-01', '令和元年5月1日'],
    ['2019-04-30', '平成31年4月30日'],
    ['2020-01-01', '令和2年1月1日'],
    ['1989-01-08', '平成元年1月8日'],
    ['1989-01-07', '昭和64年1月7日'],
    ['1926-12-25', '昭和元年12月25日'],
    ['1926-12-24', '大正15年12月24日'],
    ['1912-07-30', '大正元年7月30日'],
    ['1912-07-29', '明治45年7月29日'],
    ['1873-01-01', '明治6年1月1日'],
    ['1872-12-31', '1872年12月31日'],
  ])('%s → %s', (iso, expected) => {
    expect(formatJapaneseDate(iso)).toBe(expected);
  });

  it.each(['2025-02-29', '2025-13-01', '2025-5-1', 'today', ''])('refuses %j', (value) => {
    expect(() => formatJapaneseDate(value)).toThrow(FormsError);
  });
});

describe('parseIsoDate', () => {
  it('accepts leap days only in leap years', () => {
    expect(parseIsoDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseIsoDate('2100-02-29')).toBeUndefined();
  });
});

describe('todayInJapan', () => {
  it('is already tomorrow in Japan from 15:00 UTC', () => {
    expect(todayInJapan(new Date('2025-04-30T14:59:59Z'))).toBe('2025-04-30');
    expect(todayInJapan(new Date('2025-04-30T15:00:00Z'))).toBe('2025-05-01');
  });

  it('adds days across months and years', () => {
    expect(addDays('2024-12-30', 3)).toBe('2025-01-02');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
  });
});
