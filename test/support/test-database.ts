import { join } from 'node:path';
import { Client } from 'pg';

/**
 * The database of a test: SQLite in the test's folder by default; with TEST_POSTGRES_URL set (CI does), a fresh
 * PostgreSQL database per call, so both engines run the same suites with the real migrations.
 */
export async function testDatabaseUrl(name: string, dir: string): Promise<string> {
  const pg = process.env.TEST_POSTGRES_URL;
  if (!pg) {
    return `sqlite:${join(dir, `${name}.sqlite`)}`;
  }
  const dbName = `${name}_${process.pid}_${Date.now()}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new Client({ connectionString: pg });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${dbName}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(pg);
  url.pathname = `/${dbName}`;
  return url.toString();
}
