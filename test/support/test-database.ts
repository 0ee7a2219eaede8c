import { join } from 'node:path';
import { Client } from 'pg';

/**
 * The global (of a test file's context) where every database created by createPostgresTestDatabase is recorded;
 * TestDatabaseEnvironment (test/support/test-database-environment.ts, jest's testEnvironment) reads it after the
 * file's last afterAll and drops them.
 */
export const CREATED_DATABASES_KEY = '__madoguchiTestDatabases';

/** `<name>_<pid>_<Date.now()>` (optionally `_<random>`, as older specs named theirs): nothing else is ever dropped. */
const TEST_DATABASE_NAME = /^[a-z0-9_]+?_\d+_(\d{13})(?:_\d+)?$/;

/** Leftovers of earlier runs (a killed jest, a test file from before the teardown existed) older than this go too. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** True for a name testDatabaseUrl/createPostgresTestDatabase makes; the millisecond it was made in `createdAt`. */
export function parseTestDatabaseName(name: string): { createdAt: number } | null {
  const match = TEST_DATABASE_NAME.exec(name);
  return match ? { createdAt: Number(match[1]) } : null;
}

/**
 * The database of a test: SQLite in the test's folder by default; with TEST_POSTGRES_URL set (CI does), a fresh
 * PostgreSQL database per call, so both engines run the same suites with the real migrations.
 */
export async function testDatabaseUrl(name: string, dir: string): Promise<string> {
  const pg = process.env.TEST_POSTGRES_URL;
  if (!pg) {
    return `sqlite:${join(dir, `${name}.sqlite`)}`;
  }
  return createPostgresTestDatabase(name, pg);
}

/**
 * A fresh database on the server of `pg` (TEST_POSTGRES_URL), its URL returned; recorded so that the test file's
 * environment drops it when the file ends.
 */
export async function createPostgresTestDatabase(name: string, pg: string): Promise<string> {
  const dbName = `${name}_${process.pid}_${Date.now()}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new Client({ connectionString: pg });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${dbName}"`);
  } finally {
    await admin.end();
  }
  const created = ((globalThis as Record<string, unknown>)[CREATED_DATABASES_KEY] ??=
    []) as string[];
  created.push(dbName);
  const url = new URL(pg);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** What dropTestDatabases did: the names dropped, and those it could not drop (with the server's message). */
export interface DropReport {
  dropped: string[];
  failed: Array<{ name: string; error: string }>;
}

/**
 * Drops `names` (databases this test file created) and, unless another process is already at it, the test databases
 * of earlier runs older than STALE_AFTER_MS, on the server of `pg` (TEST_POSTGRES_URL). Only names of the
 * testDatabaseUrl pattern, never the database `pg` names itself. WITH (FORCE): an app a test forgot to close must
 * not make the teardown wait for its connections.
 */
export async function dropTestDatabases(
  names: readonly string[],
  pg: string,
  now: number = Date.now(),
): Promise<DropReport> {
  const own = decodeURIComponent(new URL(pg).pathname.replace(/^\//, ''));
  const report: DropReport = { dropped: [], failed: [] };
  const admin = new Client({ connectionString: pg });
  await admin.connect();
  const drop = async (name: string) => {
    if (name === own || !parseTestDatabaseName(name)) {
      return;
    }
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      report.dropped.push(name);
    } catch (e) {
      report.failed.push({ name, error: (e as Error).message });
    }
  };
  try {
    for (const name of names) {
      await drop(name);
    }
    // One cleaner at a time: parallel jest workers would otherwise race for the same leftovers.
    const lock = await admin.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('madoguchi-test-databases')) AS locked",
    );
    if (lock.rows[0].locked) {
      const rows = await admin.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE NOT datistemplate',
      );
      for (const { datname } of rows.rows) {
        const parsed = parseTestDatabaseName(datname);
        if (parsed && now - parsed.createdAt > STALE_AFTER_MS) {
          await drop(datname);
        }
      }
      await admin.query("SELECT pg_advisory_unlock(hashtext('madoguchi-test-databases'))");
    }
  } finally {
    await admin.end();
  }
  return report;
}
