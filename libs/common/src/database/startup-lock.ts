import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Client } from 'pg';
import { databaseKind } from './data-source-options';

export interface StartupLock {
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Serialises the start-up of several processes on one database (migrations, first-start seeding): the second waits
 * until the first has finished, then finds everything done. The operating system or the database server frees the
 * lock when its holder dies, so a crashed start never blocks the next one.
 *
 * PostgreSQL: a session advisory lock on a connection of its own. SQLite: an exclusive transaction on a side file
 * `<database>.startup-lock` (not the database itself, whose own connection must stay free to migrate).
 */
export async function acquireStartupLock(
  url: string,
  name: string,
  timeoutMs = 5 * 60_000,
): Promise<StartupLock> {
  if (databaseKind(url) === 'postgres') {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`SET statement_timeout = ${Math.floor(timeoutMs)}`);
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    } catch (e) {
      await client.end();
      throw e;
    }
    return {
      release: async () => {
        try {
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
        } finally {
          await client.end();
        }
      },
    };
  }
  const file = url.slice('sqlite:'.length);
  if (file === ':memory:') {
    return { release: () => Promise.resolve() };
  }
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const lock = new Database(`${file}.startup-lock`, { timeout: 0 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      lock.exec('BEGIN EXCLUSIVE');
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) {
        lock.close();
        throw e;
      }
      // polled, not the driver's busy wait, which would stop this process's event loop
      await sleep(50);
    }
  }
  return {
    release: () => {
      lock.exec('COMMIT');
      lock.close();
      return Promise.resolve();
    },
  };
}
