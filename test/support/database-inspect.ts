import Database from 'better-sqlite3';
import { Client } from 'pg';

/**
 * Reads an app's database directly (sqlite:<file> or postgres://), past the app: what a crash left behind is what
 * is on disk, not what the app says.
 */
export async function queryDatabase<T>(url: string, sql: string): Promise<T[]> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}
