import { Client } from 'pg';
import {
  CREATED_DATABASES_KEY,
  STALE_AFTER_MS,
  dropTestDatabases,
  parseTestDatabaseName,
  testDatabaseUrl,
} from './support/test-database';

// The test databases (test/support/test-database.ts) are dropped: those a file created, and leftovers older than a
// day; nothing that is not named like one, and never the database TEST_POSTGRES_URL names.

describe('test database names', () => {
  it('recognises only the names testDatabaseUrl makes', () => {
    expect(parseTestDatabaseName('bo_secrets_4424_1795982257527')).toEqual({
      createdAt: 1795982257527,
    });
    expect(parseTestDatabaseName('bo_audit_4424_1795982244980_17666')).toEqual({
      createdAt: 1795982244980,
    });
    for (const other of [
      'madoguchi_ci',
      'postgres',
      'template1',
      'prod_2024_01',
      'x_1_179598225752',
      'A_1_1795982257527',
    ]) {
      expect(parseTestDatabaseName(other)).toBeNull();
    }
  });
});

const pg = process.env.TEST_POSTGRES_URL;
(pg ? describe : describe.skip)('dropping test databases (PostgreSQL)', () => {
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: pg });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  async function exists(name: string): Promise<boolean> {
    const r = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return r.rowCount === 1;
  }

  it('drops what testDatabaseUrl created, even with a connection still open; keeps the server database', async () => {
    const url = await testDatabaseUrl('testdb_drop', '/nonexistent');
    const name = new URL(url).pathname.slice(1);
    expect((globalThis as Record<string, unknown>)[CREATED_DATABASES_KEY]).toContain(name);
    expect(await exists(name)).toBe(true);
    // an app a test forgot to close
    const forgotten = new Client({ connectionString: url });
    forgotten.on('error', () => undefined);
    await forgotten.connect();

    const own = new URL(pg!).pathname.slice(1);
    const report = await dropTestDatabases([name, own], pg!);

    expect(report.dropped).toContain(name);
    expect(report.dropped).not.toContain(own);
    expect(await exists(name)).toBe(false);
    expect(await exists(own)).toBe(true);
  });

  it('drops leftovers older than a day, keeps recent ones and databases not named like a test database', async () => {
    const now = Date.now();
    const stale = `testdb_stale_${process.pid}_${now - STALE_AFTER_MS - 60_000}`;
    const recent = `testdb_recent_${process.pid}_${now - 60_000}`;
    const unrelated = `testdb_unrelated_${process.pid}`;
    for (const name of [stale, recent, unrelated]) {
      await admin.query(`CREATE DATABASE "${name}"`);
    }
    try {
      // another jest worker may hold the cleaner's lock (and drop `stale` itself): retry until it is gone
      for (let i = 0; i < 300 && (await exists(stale)); i++) {
        const report = await dropTestDatabases([], pg!, now);
        expect(report.failed).toEqual([]);
        if (await exists(stale)) {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      expect(await exists(stale)).toBe(false);
      expect(await exists(recent)).toBe(true);
      expect(await exists(unrelated)).toBe(true);
    } finally {
      for (const name of [stale, recent, unrelated]) {
        await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      }
    }
  });
});
