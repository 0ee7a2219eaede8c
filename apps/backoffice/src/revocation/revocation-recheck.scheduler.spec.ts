import { msUntilNextRun } from './revocation-recheck.scheduler';

describe('msUntilNextRun', () => {
  const hours = (ms: number) => ms / 3_600_000;

  it('counts to the hour in Japan time, later the same day', () => {
    // 2026-11-29 00:30 JST
    expect(hours(msUntilNextRun(new Date('2026-11-28T15:30:00Z'), 3))).toBe(2.5);
  });

  it('goes to the next day once the hour has passed, and at the hour itself', () => {
    // 2026-11-29 15:00 JST
    expect(hours(msUntilNextRun(new Date('2026-11-29T06:00:00Z'), 3))).toBe(12);
    // 2026-11-29 03:00 JST exactly: the run that fires now schedules tomorrow's
    expect(hours(msUntilNextRun(new Date('2026-11-28T18:00:00Z'), 3))).toBe(24);
  });
});
