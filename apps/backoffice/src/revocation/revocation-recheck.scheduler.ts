import type { LoggerService } from '@nestjs/common';
import type { RevocationCheckService } from './revocation-check.service';

const DAY_MS = 24 * 3_600_000;
const JST_OFFSET_MS = 9 * 3_600_000;

/** Milliseconds from `now` to the next `hour`:00 Japan time (never 0: a run at the hour schedules the next day). */
export function msUntilNextRun(now: Date, hour: number): number {
  const jst = now.getTime() + JST_OFFSET_MS;
  const todayAtHour = Math.floor(jst / DAY_MS) * DAY_MS + hour * 3_600_000;
  const next = todayAtHour > jst ? todayAtHour : todayAtHour + DAY_MS;
  return next - jst;
}

/**
 * The nightly 現況確認 (issue 5 §4): once a day at a quiet hour (Japan time), every open signed application is
 * checked again. An unref'd timer: it never keeps the process alive; tests never start it (isWorkerManual).
 */
export class RevocationRecheckScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly checks: RevocationCheckService,
    private readonly hour: number,
    private readonly logger: LoggerService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    if (this.timer) {
      return;
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(
      () => {
        this.running = this.checks
          .checkAllOpen()
          .then(
            (s) => {
              this.logger.log(
                `nightly revocation re-check: ${s.checked} checked, ${s.good} good, ${s.revoked} revoked, ${s.unknown} unknown, ${s.skipped} checked recently${s.isStoppedEarly ? '; stopped early: J-LIS did not answer' : ''}`,
              );
            },
            (e: unknown) => {
              this.logger.error(`nightly revocation re-check failed: ${(e as Error).message}`);
            },
          )
          .finally(() => {
            this.running = undefined;
            if (this.timer) {
              this.schedule();
            }
          });
      },
      msUntilNextRun(this.now(), this.hour),
    );
    this.timer.unref();
  }
}
