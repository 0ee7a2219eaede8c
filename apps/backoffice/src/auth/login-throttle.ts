import type { DataSource } from 'typeorm';
import { LoginThrottleEntity } from '../database/entities/login-throttle.entity';

export interface LoginRateLimit {
  /** failed (or still running) POST /login attempts allowed per client address in one window */
  maxAttempts: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_RATE_LIMIT: LoginRateLimit = { maxAttempts: 20, windowMs: 10 * 60_000 };

/**
 * POST /login attempts per client address, in the database so that every back-office process shares one count
 * and a restart does not reset it. A window starts at a client's first attempt and lasts `windowMs`. Each attempt
 * takes a place before the password is checked (parallel guesses cannot overtake the count); a successful login
 * gives its place back, so staff behind one address (a town hall's proxy) are not shut out by their own logins.
 */
export class LoginThrottle {
  constructor(
    private readonly db: DataSource,
    private readonly limit: LoginRateLimit = DEFAULT_LOGIN_RATE_LIMIT,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Takes one attempt; undefined when allowed, else the milliseconds until the client's window ends. */
  async take(clientKey: string): Promise<number | undefined> {
    const key = clientKey.slice(0, 64);
    const now = this.now();
    const windowStart = new Date(now.getTime() - this.limit.windowMs);
    const repo = this.db.getRepository(LoginThrottleEntity);
    await repo
      .createQueryBuilder()
      .insert()
      .values({ clientKey: key, windowStartedAt: now, attempts: 0 })
      .orIgnore()
      .execute();
    // one conditional statement: of concurrent attempts in several processes, exactly the allowed number pass
    const taken = await repo
      .createQueryBuilder()
      .update()
      .set({
        attempts: () => 'CASE WHEN window_started_at <= :windowStart THEN 1 ELSE attempts + 1 END',
        windowStartedAt: () =>
          'CASE WHEN window_started_at <= :windowStart THEN :now ELSE window_started_at END',
      })
      .where('client_key = :key AND (window_started_at <= :windowStart OR attempts < :max)')
      .setParameters({ key, windowStart, now, max: this.limit.maxAttempts })
      .execute();
    if (taken.affected === 1) {
      return undefined;
    }
    const row = await repo.findOneByOrFail({ clientKey: key });
    return Math.max(1000, row.windowStartedAt.getTime() + this.limit.windowMs - now.getTime());
  }

  /** A successful login: its attempt does not count. */
  async giveBack(clientKey: string): Promise<void> {
    await this.db
      .getRepository(LoginThrottleEntity)
      .createQueryBuilder()
      .update()
      .set({ attempts: () => 'attempts - 1' })
      .where('client_key = :key AND attempts > 0', { key: clientKey.slice(0, 64) })
      .execute();
  }

  /** Windows that have ended hold nothing worth keeping. */
  async purge(): Promise<void> {
    await this.db
      .getRepository(LoginThrottleEntity)
      .createQueryBuilder()
      .delete()
      .where('window_started_at <= :windowStart', {
        windowStart: new Date(this.now().getTime() - this.limit.windowMs),
      })
      .execute();
  }
}
