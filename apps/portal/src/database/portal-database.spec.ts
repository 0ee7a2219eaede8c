import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { testDatabaseUrl } from '../../../../test/support/test-database';
import { DraftEntity } from './entities/draft.entity';
import { createDataSource } from '@madoguchi/common';
import { portalDataSourceOptions } from './portal-database';

/** Lets every queued callback and I/O event run once, so a flow started just before gets as far as it can. */
const turnOfTheLoop = () => new Promise((resolve) => setImmediate(resolve));

function draft(id: string): DraftEntity {
  const now = new Date();
  return {
    id,
    municipalityCode: '990019',
    formId: 'sodai-gomi',
    formVersion: 1,
    rawValues: { name: '山田 太郎' },
    attachments: {},
    cardface: null,
    corrects: null,
    maxStep: 0,
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + 3_600_000),
  };
}

describe('portal database: concurrent flows on one DataSource (SQLite; PostgreSQL with TEST_POSTGRES_URL)', () => {
  let dir: string;
  let db: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portal-concurrent-'));
    const url = await testDatabaseUrl('portal_concurrent', dir);
    db = await createDataSource(portalDataSourceOptions(url)).initialize();
    await db.runMigrations();
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = async () =>
    (await db.getRepository(DraftEntity).find({ order: { id: 'ASC' } })).map((d) => d.id);

  it('residents submitting at once: overlapping transactions (a write, a wait, a delete) all commit', async () => {
    await db.getRepository(DraftEntity).insert(['d1', 'd2', 'd3', 'd4'].map(draft));
    const submit = (id: string) =>
      db.transaction(async (tx) => {
        await tx.insert(DraftEntity, draft(`${id}-submitted`));
        await turnOfTheLoop();
        await tx.delete(DraftEntity, { id });
      });

    await expect(Promise.all(['d1', 'd2', 'd3', 'd4'].map(submit))).resolves.toHaveLength(4);
    expect(await ids()).toEqual(['d1-submitted', 'd2-submitted', 'd3-submitted', 'd4-submitted']);
  });

  it('a draft saved by another resident while a submission is open survives that submission’s rollback', async () => {
    let inside!: () => void;
    const isInside = new Promise<void>((resolve) => (inside = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const failing = db.transaction(async (tx) => {
      await tx.insert(DraftEntity, draft('failing'));
      inside();
      await released;
      throw new Error('signature refused');
    });
    await isInside;
    const saved = db.getRepository(DraftEntity).save(draft('other-resident'));
    await turnOfTheLoop();
    release();

    await expect(failing).rejects.toThrow('signature refused');
    await expect(saved).resolves.toMatchObject({ id: 'other-resident' });
    expect(await ids()).toEqual(['other-resident']);
  });
});
