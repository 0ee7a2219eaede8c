import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner';

/**
 * How long a query or transaction waits for its turn on a SQLite connection before it fails: generous, as only a
 * query through the DataSource inside a transaction (a programming error) should ever reach it.
 */
const TURN_WAIT_LIMIT_MS = 30_000;

/**
 * A DataSource for one app's database (options from `dataSourceOptions`). Every app opens its database here.
 *
 * SQLite: TypeORM's better-sqlite3 driver has one connection and hands the same query runner to every caller, so
 * two overlapping `transaction()` calls both sent BEGIN ("cannot start a transaction within a transaction") or the
 * later one became a SAVEPOINT of the earlier (committed or rolled back with it), and any query of another async
 * flow ran inside whichever transaction was open. Here each caller gets its own runner on that connection, and the
 * runners take turns: while a transaction is open, other transactions and queries wait for its COMMIT or ROLLBACK
 * (first come, first served). Writes stay short (STYLE.md) and better-sqlite3 runs each statement synchronously,
 * so the wait is short. Inside a transaction, use the manager its callback gets: a query through the DataSource
 * there waits for the transaction itself and fails after `waitLimitMs` (as a second SQLite writer gets SQLITE_BUSY
 * after the busy timeout). No AsyncLocalStorage to tell flows apart: on Node 20 it slows every promise of the
 * process. PostgreSQL is left alone: its pool gives each transaction its own connection.
 */
export function createDataSource(
  options: DataSourceOptions,
  { waitLimitMs = TURN_WAIT_LIMIT_MS }: { waitLimitMs?: number } = {},
): DataSource {
  const dataSource = new DataSource(options);
  if (options.type === 'better-sqlite3') {
    const driver = dataSource.driver as BetterSqlite3Driver;
    const turn = new ConnectionTurn(waitLimitMs);
    const statements = new Map<string, unknown>();
    driver.createQueryRunner = () => new TurnTakingQueryRunner(driver, turn, statements);
  }
  return dataSource;
}

interface Waiter {
  runner: QueryRunner;
  granted: () => void;
}

/** A first-come first-served hold on the connection by one query runner (re-entrant: SAVEPOINTs, its queries). */
class ConnectionTurn {
  private holder: QueryRunner | undefined;
  private depth = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly waitLimitMs: number) {}

  /** Resolves when `runner` holds the connection; undefined when it does at once (no extra tick). */
  acquire(runner: QueryRunner): Promise<void> | undefined {
    if (this.holder === undefined || this.holder === runner) {
      this.holder = runner;
      this.depth += 1;
      return undefined;
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        runner,
        granted: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(waiter), 1);
        reject(
          new Error(
            `waited ${this.waitLimitMs} ms for the SQLite connection: a transaction holds it (inside a ` +
              `transaction, query through the manager it passes, not the DataSource)`,
          ),
        );
      }, this.waitLimitMs);
      this.queue.push(waiter);
    });
  }

  release(runner: QueryRunner): void {
    if (this.holder !== runner) {
      return;
    }
    this.depth -= 1;
    if (this.depth > 0) {
      return;
    }
    const next = this.queue.shift();
    this.holder = next?.runner;
    this.depth = next ? 1 : 0;
    next?.granted();
  }
}

class TurnTakingQueryRunner extends BetterSqlite3QueryRunner {
  constructor(
    driver: BetterSqlite3Driver,
    private readonly turn: ConnectionTurn,
    statements: Map<string, unknown>,
  ) {
    super(driver);
    // one cache of prepared statements per connection, as with TypeORM's single runner
    (this as unknown as { stmtCache: Map<string, unknown> }).stmtCache = statements;
  }

  override async query(
    ...[query, parameters, useStructuredResult]: Parameters<BetterSqlite3QueryRunner['query']>
  ): ReturnType<BetterSqlite3QueryRunner['query']> {
    const wait = this.turn.acquire(this);
    if (wait) {
      await wait;
    }
    try {
      return await super.query(query, parameters, useStructuredResult);
    } finally {
      this.turn.release(this);
    }
  }

  override async startTransaction(
    isolationLevel?: Parameters<QueryRunner['startTransaction']>[0],
  ): Promise<void> {
    const wait = this.turn.acquire(this);
    if (wait) {
      await wait;
    }
    try {
      await super.startTransaction(isolationLevel);
    } catch (e) {
      if (this.transactionDepth === 0) {
        this.isTransactionActive = false; // BEGIN failed: nothing to roll back
      }
      this.turn.release(this);
      throw e;
    }
    // held until the matching commit or rollback (a nested one is a SAVEPOINT with its own hold)
  }

  override async commitTransaction(): Promise<void> {
    await super.commitTransaction(); // a failed COMMIT keeps the hold: the caller rolls back next
    this.turn.release(this);
  }

  override async rollbackTransaction(): Promise<void> {
    if (!this.isTransactionActive) {
      return super.rollbackTransaction(); // TransactionNotStartedError; holds nothing
    }
    const isOutermost = this.transactionDepth <= 1;
    try {
      await super.rollbackTransaction();
    } finally {
      if (isOutermost && this.isTransactionActive) {
        // ROLLBACK failed: SQLite has already ended the transaction (e.g. after an I/O error); do not wedge the app
        this.isTransactionActive = false;
        this.transactionDepth = 0;
      }
      this.turn.release(this);
    }
  }
}
