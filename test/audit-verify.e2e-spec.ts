import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { AuditAction } from '../apps/backoffice/src/audit/audit-action';
import { AuditLog } from '../apps/backoffice/src/audit/audit-log';
import { openBackofficeDatabase } from '../apps/backoffice/src/database/backoffice.database';
import { testDatabaseUrl } from './support/test-database';

const CLI = resolve(__dirname, '..', 'dist/apps/backoffice/src/audit/audit-verify.cli.js');

/** `npm run audit:verify` (the built CLI) on the back office's database, as an operator runs it. */
function verify(url: string): { status: number | null; stdout: string } {
  const run = spawnSync(process.execPath, [CLI], {
    env: { ...process.env, NODE_ENV: 'test', BACKOFFICE_DATABASE_URL: url },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout + run.stderr };
}

describe('npm run audit:verify (issue 5 §7): a changed or deleted entry is named, never repaired', () => {
  let dir: string;
  let url: string;
  let db: DataSource;
  let isPostgres: boolean;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-verify-'));
    url = await testDatabaseUrl('audit_verify', dir);
    db = await openBackofficeDatabase(url);
    isPostgres = db.options.type === 'postgres';
    const audit = new AuditLog();
    for (let i = 1; i <= 5; i++) {
      await audit.append(db.manager, {
        actor: { loginId: `staff${i}` },
        municipalityCode: '990019',
        action: AuditAction.ApplicationViewed,
        targetType: 'application',
        targetId: `a${i}`,
        detail: { receiptNumber: `R-${i}` },
      });
    }
  });

  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What someone with write access to the database can do: the append-only triggers first. */
  async function asIntruder(sql: string): Promise<void> {
    if (isPostgres) {
      await db.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await db.query(sql);
      await db.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    } else {
      await db.query('DROP TRIGGER IF EXISTS audit_log_no_update');
      await db.query('DROP TRIGGER IF EXISTS audit_log_no_delete');
      await db.query(sql);
    }
  }

  it('says OK with the count and the head of an intact chain', async () => {
    const [head] = await db.query<Array<{ hash: string }>>('SELECT hash FROM audit_chain_head');
    const { status, stdout } = verify(url);
    expect({ status, stdout }).toEqual({
      status: 0,
      stdout: expect.stringContaining('OK: audit chain intact, 5 entries') as string,
    });
    expect(stdout).toContain(`head: seq 5 sha256 ${head.hash}`);
  });

  it('names an entry edited in the database, exits 1 and leaves it as it is', async () => {
    await asIntruder(`UPDATE audit_log SET target_id = 'a9' WHERE seq = 3`);
    const { status, stdout } = verify(url);
    expect(status).toBe(1);
    expect(stdout).toContain(
      'BROKEN: audit chain broken at seq 3 (2 entries before it are intact)',
    );
    expect(stdout).toContain('differs from the hash of the stored fields');
    const [row] = await db.query<Array<{ target_id: string }>>(
      'SELECT target_id FROM audit_log WHERE seq = 3',
    );
    expect(row.target_id).toBe('a9');
    // put back exactly as it was: intact again (the chain proves the content, not who touched it)
    await asIntruder(`UPDATE audit_log SET target_id = 'a3' WHERE seq = 3`);
    expect(verify(url).status).toBe(0);
  });

  it('finds an entry edited before the audit viewer’s verified checkpoint, which the viewer no longer walks', async () => {
    const audit = new AuditLog();
    await expect(audit.verifySinceCheckpoint(db)).resolves.toMatchObject({ isIntact: true });
    const [checkpoint] = await db.query<Array<{ seq: number | string }>>(
      'SELECT seq FROM audit_verify_checkpoint WHERE id = 1',
    );
    expect(Number(checkpoint.seq)).toBe(5);
    await asIntruder(`UPDATE audit_log SET target_id = 'a9' WHERE seq = 2`);
    // the viewer's walk starts after seq 5 …
    await expect(audit.verifySinceCheckpoint(db)).resolves.toMatchObject({
      isIntact: true,
      verifiedFromSeq: 6,
    });
    // … npm run audit:verify walks from the start
    const { status, stdout } = verify(url);
    expect(status).toBe(1);
    expect(stdout).toContain(
      'BROKEN: audit chain broken at seq 2 (1 entries before it are intact)',
    );
    await asIntruder(`UPDATE audit_log SET target_id = 'a2' WHERE seq = 2`);
    expect(verify(url).status).toBe(0);
  });

  it('names the gap left by a deleted entry, and a deleted tail', async () => {
    await asIntruder('DELETE FROM audit_log WHERE seq = 5');
    const tail = verify(url);
    expect(tail.status).toBe(1);
    expect(tail.stdout).toContain('broken at seq 5');
    expect(tail.stdout).toContain('the chain head names seq 5, but the last entry is seq 4');

    await asIntruder('DELETE FROM audit_log WHERE seq = 2');
    const gap = verify(url);
    expect(gap.status).toBe(1);
    expect(gap.stdout).toContain('broken at seq 3 (1 entries before it are intact)');
    expect(gap.stdout).toContain('seq 2 missing before seq 3 (deleted)');
  });

  it('exits 2 when it cannot check at all', () => {
    const { status, stdout } = verify('postgres://nobody:x@127.0.0.1:9/none');
    expect(status).toBe(2);
    expect(stdout).toContain('audit:verify could not check the chain');
  });
});
