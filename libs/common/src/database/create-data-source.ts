import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, type DataSourceOptions, type EntityManager, type QueryRunner } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner';

/**
 * A DataSource for one app's database (options from `dataSourceOptions`). Every app opens its database here.
 *
 * SQLite: TypeORM's better-sqlite3 driver has one connection and hands the same query runner to every caller, so
 * two overlapping `transaction()` calls both sent BEGIN ("cannot start a transaction within a transaction"), and
 * any query of another async flow (a plain write, another save) ran inside whichever transaction was open and was
 * rolled back with it. Here each caller gets its own runner on that connection, and the runners take turns: while
 * a transaction is open, other transactions and queries wait for its COMMIT or ROLLBACK (first come, first
 * served). Writes stay short (STYLE.md), so the wait is short. PostgreSQL is left alone: its pool gives each
 * transaction its own connection.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  const dataSource = new DataSource(options);
  if (options.type === 'better-sqlite3') {
    takeTurnsOnTheConnection(dataSource);
  }
  return dataSource;
}

/** A first-come first-served lock on the connection, held by one query runner (re-entrant). */
class ConnectionTurn {
  private holder: QueryRunner | undefined;
  private depth = 0;
  private readonly queue: Array<{ runner: QueryRunner; granted: () => void }> = [];

  isHeldBy(runner: QueryRunner): boolean {
    return this.holder === runner;
  }

  /** Resolves when `runner` holds the connection; undefined when it does at once (no extra tick). */
  acquire(runner: QueryRunner): Promise<void> | undefined {
    if (this.holder === undefined || this.holder === runner) {
      this.holder = runner;
      this.depth += 1;
      return undefined;
    }
    return new Promise((granted) => this.queue.push({ runner, granted }));
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

function takeTurnsOnTheConnection(dataSource: DataSource): void {
  const driver = dataSource.driver as BetterSqlite3Driver;
  const turn = new ConnectionTurn();
  const statements = new Map<string, unknown>();
  // Code inside a transaction's callback that reaches for the DataSource instead of the callback's manager gets the
  // transaction's runner (as with the single runner before), so it runs in the transaction instead of deadlocking.
  const transactionOfFlow = new AsyncLocalStorage<{ runner?: QueryRunner }>();
  driver.createQueryRunner = () => {
    const flow = transactionOfFlow.getStore();
    if (flow?.runner?.isTransactionActive) {
      return flow.runner;
    }
    const runner = new TurnTakingQueryRunner(driver, turn, statements);
    if (flow && !flow.runner) {
      flow.runner = runner;
    }
    return runner;
  };
  const manager: EntityManager = dataSource.manager;
  const transaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  manager.transaction = (...args: unknown[]) =>
    transactionOfFlow.getStore()?.runner?.isTransactionActive
      ? transaction(...args) // nested: a SAVEPOINT on the flow's runner
      : transactionOfFlow.run({}, () => transaction(...args));
}
