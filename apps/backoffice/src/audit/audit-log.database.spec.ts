import { dataSourceOptions } from '@madoguchi/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { StaffContext } from '../auth/staff-context';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS } from '../database/backoffice.entities';
import { AuditAction } from './audit-action';
import { GENESIS_HASH } from './audit-chain';
import { AuditLog } from './audit-log';
import { createPostgresTestDatabase } from '../../../../test/support/test-database';

const staff: StaffContext = {
  id: '6d1c5a36-9a53-4a36-8f0e-0c8a1f0d2a11',
  loginId: 'sato',
  displayName: '佐藤',
  role: 'reviewer',
  municipalityCode: '990019',
  departments: ['市民課'],
  mustChangePassword: false,
  isPlatformAdmin: false,
  pendingFactor: null,
  hasTotp: false,
  mustEnrolTotp: false,
  sessionHash: 'a'.repeat(64),
};

/** SQLite in a temporary folder; PostgreSQL too when TEST_POSTGRES_URL is set (CI). */
async function engines(dir: string): Promise<Array<[string, string]>> {
  const urls: Array<[string, string]> = [['sqlite', `sqlite:${join(dir, 'audit.sqlite')}`]];
  const pg = process.env.TEST_POSTGRES_URL;
  if (pg) {
    urls.push(['postgres', await createPostgresTestDatabase('bo_audit', pg)]);
  }
  return urls;
}

/** A second, independent connection to the same database: another process, as far as the database can tell. */
async function secondConnection(url: string): Promise<DataSource> {
  const db = new DataSource(dataSourceOptions(url, BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS));
  return db.initialize();
}

describe('AuditLog (SQLite and PostgreSQL, real migrations)', () => {
  const sut = new AuditLog();
  let dir: string;
  const opened: DataSource[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bo-audit-'));
  });

  afterEach(async () => {
    for (const db of opened.splice(0)) {
      if (db.isInitialized) {
        await db.destroy();
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function each(test: (kind: string, db: DataSource, url: string) => Promise<void>) {
    for (const [kind, url] of await engines(dir)) {
      const db = await openBackofficeDatabase(url);
      opened.push(db);
      await test(kind, db, url);
    }
  }

  it('chains entries: seq from 1, each holding the hash of the one before, all fields stored', async () => {
    await each(async (kind, db) => {
      const first = await sut.append(db.manager, {
        actor: staff,
        municipalityCode: '990019',
        action: AuditAction.ApplicationViewed,
        targetType: 'application',
        targetId: 'a1',
        detail: { receiptNumber: 'R-1', fields: ['name', 'address'] },
      });
      const second = await sut.append(db.manager, {
        actor: { loginId: 'nobody' },
        municipalityCode: null,
        action: AuditAction.LoginFailed,
      });
      expect({ kind, seqs: [first.seq, second.seq] }).toEqual({ kind, seqs: [1, 2] });
      const rows = await db.query<Array<Record<string, unknown>>>(
        'SELECT * FROM audit_log ORDER BY seq',
      );
      expect(rows[0]).toMatchObject({
        actor_id: staff.id,
        actor_login_id: 'sato',
        actor_role: 'reviewer',
        municipality_code: '990019',
        action: 'application.viewed',
        target_type: 'application',
        target_id: 'a1',
        detail: '{"fields":["name","address"],"receiptNumber":"R-1"}',
        prev_hash: GENESIS_HASH,
        hash: first.hash,
      });
      expect(rows[1]).toMatchObject({
        actor_id: null,
        actor_login_id: 'nobody',
        actor_role: null,
        municipality_code: null,
        detail: '{}',
        prev_hash: first.hash,
        hash: second.hash,
      });
      expect(String(rows[1].occurred_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      await expect(sut.verify(db)).resolves.toEqual({
        isIntact: true,
        count: 2,
        headSeq: 2,
        headHash: second.hash,
      });
    });
  });

  it("stays one chain under concurrent writers: plain appends, callers' transactions, a second PostgreSQL pool", async () => {
    await each(async (kind, db, url) => {
      // PostgreSQL: a second pool, as another app instance would have. SQLite: better-sqlite3 waits for a lock
      // synchronously, so a second connection in this same process would wait for a commit it blocks; there the
      // app runs as one process with one connection, and writers of other processes wait on SQLite's lock.
      const other = kind === 'postgres' ? await secondConnection(url) : db;
      opened.push(other);
      const entry = (i: number) => ({
        actor: staff,
        municipalityCode: '990019',
        action: AuditAction.AttachmentDownloaded,
        targetId: `t${i}`,
      });
      // TypeORM cannot run two transactions at once on one SQLite DataSource (one connection): there the callers'
      // transactions of one DataSource follow each other, while everything else runs at the same time
      const queues = new Map<DataSource, Promise<unknown>>();
      const writes: Array<Promise<unknown>> = [];
      for (let i = 0; i < 60; i++) {
        const source = i % 2 === 0 ? db : other;
        const inTransaction = () =>
          source.transaction(async (em) => {
            await em.query('SELECT 1');
            return sut.append(em, entry(i));
          });
        if (i % 3 !== 0) {
          writes.push(sut.append(source.manager, entry(i)));
        } else if (kind === 'postgres') {
          writes.push(inTransaction());
        } else {
          const queued = (queues.get(source) ?? Promise.resolve()).then(inTransaction);
          queues.set(source, queued);
          writes.push(queued);
        }
      }
      await Promise.all(writes);
      const rows = await db.query<Array<{ seq: number | string; target_id: string }>>(
        'SELECT seq, target_id FROM audit_log ORDER BY seq',
      );
      expect({ kind, seqs: rows.map((r) => Number(r.seq)) }).toEqual({
        kind,
        seqs: Array.from({ length: 60 }, (_, i) => i + 1),
      });
      expect(new Set(rows.map((r) => r.target_id)).size).toBe(60);
      await expect(sut.verify(db)).resolves.toMatchObject({ isIntact: true, count: 60 });
    });
  });

  it('writes nothing when the caller rolls back, and the chain goes on from the last kept entry', async () => {
    await each(async (kind, db) => {
      await sut.append(db.manager, { actor: staff, municipalityCode: '990019', action: 'a.kept' });
      await expect(
        db.transaction(async (em) => {
          await sut.append(em, { actor: staff, municipalityCode: '990019', action: 'a.lost' });
          throw new Error('the action failed');
        }),
      ).rejects.toThrow('the action failed');
      await sut.append(db.manager, { actor: staff, municipalityCode: '990019', action: 'a.next' });
      const rows = await db.query<Array<{ action: string }>>(
        'SELECT action FROM audit_log ORDER BY seq',
      );
      expect({ kind, actions: rows.map((r) => r.action) }).toEqual({
        kind,
        actions: ['a.kept', 'a.next'],
      });
      await expect(sut.verify(db)).resolves.toMatchObject({ isIntact: true, count: 2 });
    });
  });

  it('refuses a bad entry before touching the chain', async () => {
    await each(async (_kind, db) => {
      const base = { actor: staff, municipalityCode: '990019' };
      await expect(sut.append(db.manager, { ...base, action: 'Login Failed' })).rejects.toThrow(
        /not 'area.what'/,
      );
      await expect(
        sut.append(db.manager, { ...base, action: 'a.b', targetId: 'x'.repeat(101) }),
      ).rejects.toThrow(/target id/);
      await expect(sut.verify(db)).resolves.toMatchObject({ isIntact: true, count: 0 });
    });
  });

  it('is append-only: the database refuses UPDATE and DELETE of an entry', async () => {
    await each(async (kind, db) => {
      await sut.append(db.manager, { actor: staff, municipalityCode: '990019', action: 'a.b' });
      await expect(db.query("UPDATE audit_log SET action = 'x.y' WHERE seq = 1")).rejects.toThrow(
        /append-only/,
      );
      await expect(db.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
      if (kind === 'postgres') {
        await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
      }
      await expect(sut.verify(db)).resolves.toMatchObject({ isIntact: true, count: 1 });
    });
  });

  it('the viewer verifies from its checkpoint on: a change after it is found, one before it only by the full walk', async () => {
    await each(async (kind, db) => {
      const intruder = async (sql: string) => {
        if (kind === 'postgres') {
          await db.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
          await db.query(sql);
          await db.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
        } else {
          await db.query('DROP TRIGGER IF EXISTS audit_log_no_update');
          await db.query(sql);
        }
      };
      const add = async (n: number) => {
        for (let i = 0; i < n; i++) {
          await sut.append(db.manager, {
            actor: staff,
            municipalityCode: '990019',
            action: AuditAction.ApplicationViewed,
            targetId: `t${i}`,
          });
        }
      };
      const checkpoint = async () =>
        (
          await db.query<Array<{ seq: number | string }>>(
            'SELECT seq FROM audit_verify_checkpoint WHERE id = 1',
          )
        ).map((r) => Number(r.seq));

      await add(5);
      // the first view walks from the start and leaves its checkpoint at the head
      await expect(sut.verifySinceCheckpoint(db)).resolves.toMatchObject({
        isIntact: true,
        count: 5,
        headSeq: 5,
        verifiedFromSeq: 1,
      });
      await expect(checkpoint()).resolves.toEqual([5]);
      await add(3);
      await expect(sut.verifySinceCheckpoint(db)).resolves.toMatchObject({
        isIntact: true,
        count: 8,
        verifiedFromSeq: 6,
      });
      await expect(checkpoint()).resolves.toEqual([8]);

      // changed before the checkpoint: the view does not walk there again; the full walk (audit:verify) finds it
      await intruder("UPDATE audit_log SET target_id = 'x' WHERE seq = 3");
      await expect(sut.verifySinceCheckpoint(db)).resolves.toMatchObject({ isIntact: true });
      await expect(sut.verify(db)).resolves.toMatchObject({ isIntact: false, seq: 3 });
      await intruder("UPDATE audit_log SET target_id = 't2' WHERE seq = 3");

      // changed after the checkpoint: the view finds it, and the checkpoint stays where it was
      await add(2);
      await intruder("UPDATE audit_log SET target_id = 'x' WHERE seq = 10");
      await expect(sut.verifySinceCheckpoint(db)).resolves.toMatchObject({
        isIntact: false,
        seq: 10,
        problem: expect.stringContaining('the entry was changed') as string,
      });
      await expect(checkpoint()).resolves.toEqual([8]);
      await intruder("UPDATE audit_log SET target_id = 't1' WHERE seq = 10");

      // the checkpoint entry itself is re-hashed on every view
      await intruder("UPDATE audit_log SET target_id = 'x' WHERE seq = 8");
      await expect(sut.verifySinceCheckpoint(db)).resolves.toMatchObject({
        isIntact: false,
        seq: 8,
      });
      await intruder("UPDATE audit_log SET target_id = 't2' WHERE seq = 8");
      await expect(sut.verifySinceCheckpoint(db)).resolves.toMatchObject({
        isIntact: true,
        count: 10,
      });
      await expect(checkpoint()).resolves.toEqual([10]);
    });
  });
});
