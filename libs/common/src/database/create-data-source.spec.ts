import type { DataSource } from 'typeorm';
import { createDataSource } from './create-data-source';
import { dataSourceOptions } from './data-source-options';

/** Lets every queued callback and I/O event run once, so a flow started just before gets as far as it can. */
const turnOfTheLoop = () => new Promise((resolve) => setImmediate(resolve));

describe('createDataSource on SQLite (flows take turns on the one connection)', () => {
  let sut: DataSource;

  beforeEach(async () => {
    sut = await createDataSource(dataSourceOptions('sqlite::memory:', [], []), {
      waitLimitMs: 200,
    }).initialize();
    await sut.query('CREATE TABLE t (v TEXT NOT NULL)');
  });

  afterEach(async () => {
    await sut.destroy();
  });

  const values = async () =>
    (await sut.query<Array<{ v: string }>>('SELECT v FROM t ORDER BY v')).map((r) => r.v);

  it('a query through the DataSource inside a transaction’s callback fails with a clear error, not a hang', async () => {
    const run = sut.transaction(async (em) => {
      await em.query("INSERT INTO t VALUES ('in the transaction')");
      await sut.query("INSERT INTO t VALUES ('beside it')");
    });

    await expect(run).rejects.toThrow(
      /waited 200 ms for the SQLite connection: a transaction holds it/,
    );
    // rolled back, and the connection is free again
    await sut.query("INSERT INTO t VALUES ('after')");
    expect(await values()).toEqual(['after']);
  });

  it('waiters are served first come, first served, each transaction whole', async () => {
    const order: string[] = [];
    const step = (name: string) =>
      sut.transaction(async (em) => {
        order.push(`${name} begins`);
        await em.query('INSERT INTO t VALUES (?)', [name]);
        await turnOfTheLoop();
        order.push(`${name} ends`);
      });
    await Promise.all([step('a'), sut.query("INSERT INTO t VALUES ('plain')"), step('b')]);

    expect(order).toEqual(['a begins', 'a ends', 'b begins', 'b ends']);
    expect(await values()).toEqual(['a', 'b', 'plain']);
  });

  it('a failed BEGIN leaves nothing held', async () => {
    await sut.query('BEGIN'); // a transaction TypeORM does not know about: its own BEGIN fails
    await expect(sut.transaction((em) => em.query("INSERT INTO t VALUES ('x')"))).rejects.toThrow(
      'cannot start a transaction within a transaction',
    );
    await sut.query('ROLLBACK');
    await expect(
      sut.transaction((em) => em.query("INSERT INTO t VALUES ('y')")),
    ).resolves.toBeDefined();
    expect(await values()).toEqual(['y']);
  });
});
