import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type DatabaseKind = 'sqlite' | 'postgres';

type EntityList = MixedList<string | EntitySchema | (abstract new (...args: never[]) => unknown)>;
type MigrationList = MixedList<string | (new () => unknown)>;

/** Which engine a database URL names: `sqlite:<file>` / `sqlite::memory:` or `postgres://…`. */
export function databaseKind(url: string): DatabaseKind {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return 'postgres';
  }
  if (url.startsWith('sqlite:')) {
    return 'sqlite';
  }
  throw new Error(
    `unsupported database URL (use sqlite:<file> or postgres://…): ${redactUrl(url)}`,
  );
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * TypeORM options for one app's database. Migrations only: `synchronize` is never on (STYLE.md).
 * SQLite gets WAL, a busy timeout and foreign keys; writes stay short so one writer is enough.
 */
export function dataSourceOptions(
  url: string,
  entities: EntityList,
  migrations: MigrationList,
): DataSourceOptions {
  const common = { entities, migrations, synchronize: false, migrationsRun: false, logging: false };
  if (databaseKind(url) === 'postgres') {
    return { ...common, type: 'postgres', url, extra: { max: 10 } };
  }
  const file = url.slice('sqlite:'.length);
  if (file !== ':memory:') {
    mkdirSync(dirname(resolve(file)), { recursive: true });
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: file,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      // FULL: a committed submission survives a power loss too, not only a crash of the app.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
    },
  };
}
