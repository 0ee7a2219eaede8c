import { fiscalYearOf, isPastRetention, retentionEndDate } from './retention';

describe('retention (保存期間, counted from April 1 of the next fiscal year)', () => {
  it('accepted 2026-05-10 with 5 years is retained until 2032-03-31', () => {
    expect(retentionEndDate(new Date('2026-05-10T10:00:00+09:00'), 5)).toBe('2032-03-31');
  });

  it('the textbook case: made in 平成23年度 (2011-10-03), 5 years → 平成29年3月31日', () => {
    expect(retentionEndDate(new Date('2011-10-03T09:00:00+09:00'), 5)).toBe('2017-03-31');
  });

  it('March 31 belongs to the fiscal year before, April 1 starts the next (JST)', () => {
    expect(retentionEndDate(new Date('2026-03-31T23:59:59+09:00'), 1)).toBe('2027-03-31');
    expect(retentionEndDate(new Date('2026-04-01T00:00:00+09:00'), 1)).toBe('2028-03-31');
  });

  it('uses the date in Japan, not in UTC: 2026-03-31T15:00Z is already April 1 in Japan', () => {
    expect(retentionEndDate(new Date('2026-03-31T14:59:59Z'), 3)).toBe('2029-03-31');
    expect(retentionEndDate(new Date('2026-03-31T15:00:00Z'), 3)).toBe('2030-03-31');
  });

  it('January to March belong to the fiscal year that began the April before', () => {
    expect(fiscalYearOf('2027-01-15')).toBe(2026);
    expect(fiscalYearOf('2027-03-31')).toBe(2026);
    expect(fiscalYearOf('2027-04-01')).toBe(2027);
    expect(retentionEndDate(new Date('2027-02-01T12:00:00+09:00'), 30)).toBe('2057-03-31');
  });

  it('refuses a retention that is not a positive whole number of years', () => {
    expect(() => retentionEndDate(new Date(), 0)).toThrow(RangeError);
    expect(() => retentionEndDate(new Date(), 1.5)).toThrow(RangeError);
  });

  it('is past retention only from April 1 (JST) after the end date', () => {
    expect(isPastRetention('2032-03-31', new Date('2032-03-31T23:59:59+09:00'))).toBe(false);
    expect(isPastRetention('2032-03-31', new Date('2032-03-31T14:59:59Z'))).toBe(false);
    expect(isPastRetention('2032-03-31', new Date('2032-03-31T15:00:00Z'))).toBe(true);
    expect(isPastRetention('2032-03-31', new Date('2032-04-01T00:00:00+09:00'))).toBe(true);
  });
});
