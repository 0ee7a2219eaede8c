import { dataSourceOptions } from '@madoguchi/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, QueryFailedError } from 'typeorm';
import { BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS } from './backoffice.entities';
import { ApplicationEntity } from './entities/application.entity';
import { createPostgresTestDatabase } from '../../../../test/support/test-database';

const TABLES = [
  'application',
  'application_identity',
  'application_tally',
  'archive_connector',
  'archive_delivery',
  'attachment',
  'audit_chain_head',
  'audit_log',
  'audit_verify_checkpoint',
  'login_throttle',
  'municipality',
  'record',
  'record_disposal',
  'record_file',
  'revocation_check',
  'staff_session',
  'staff_user',
  'status_change',
  'status_outbox',
];

/** A fresh database per test: SQLite in a temporary folder; PostgreSQL too when TEST_POSTGRES_URL is set (CI). */
async function freshUrls(dir: string): Promise<Array<[string, string]>> {
  const urls: Array<[string, string]> = [['sqlite', `sqlite:${join(dir, 'bo.sqlite')}`]];
  const pg = process.env.TEST_POSTGRES_URL;
  if (pg) {
    urls.push(['postgres', await createPostgresTestDatabase('bo_migrations', pg)]);
  }
  return urls;
}

async function tableNames(db: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> =
    db.options.type === 'postgres'
      ? await db.query(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
        )
      : await db.query("SELECT name FROM sqlite_master WHERE type = 'table'");
  return rows
    .map((r) => r.name)
    .filter((n) => TABLES.includes(n))
    .sort();
}

describe('back office migrations', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bo-migrations-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('create every table, match the entities, enforce uniqueness and go down again', async () => {
    for (const [kind, url] of await freshUrls(dir)) {
      const db = new DataSource(dataSourceOptions(url, BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS));
      await db.initialize();
      try {
        await db.runMigrations();
        expect({ kind, tables: await tableNames(db) }).toEqual({ kind, tables: TABLES });
        // the entities describe exactly the migrated schema: nothing left for synchronize to do
        const pending = await db.driver.createSchemaBuilder().log();
        expect({ kind, pending: pending.upQueries.map((q) => q.query) }).toEqual({
          kind,
          pending: [],
        });

        const row = (portalId: string, receiptNumber: string) => ({
          id: randomUUID(),
          portalId,
          receiptNumber,
          municipalityCode: '990019',
          formId: 'f',
          formVersion: 1,
          formSha256: '0'.repeat(64),
          titleJa: 'テスト',
          titleEn: null,
          answers: { name: { family: '山田', given: '花子' } },
          status: 'received' as const,
          statusVersion: 0,
          submittedAt: new Date('2026-04-01T00:00:00Z'),
          receivedAt: new Date(),
          updatedAt: new Date(),
        });
        const repo = db.getRepository(ApplicationEntity);
        await repo.insert(row('p1', 'R-1'));
        await expect(repo.insert(row('p1', 'R-2'))).rejects.toBeInstanceOf(QueryFailedError);
        await expect(repo.insert(row('p2', 'R-1'))).rejects.toBeInstanceOf(QueryFailedError);
        const [stored] = await repo.find();
        expect(stored.answers).toEqual({ name: { family: '山田', given: '花子' } });
        expect(stored.submittedAt.toISOString()).toBe('2026-04-01T00:00:00.000Z');

        for (let i = 0; i < BACKOFFICE_MIGRATIONS.length; i++) {
          await db.undoLastMigration();
        }
        expect({ kind, tables: await tableNames(db) }).toEqual({ kind, tables: [] });
      } finally {
        await db.destroy();
      }
    }
  });
});
