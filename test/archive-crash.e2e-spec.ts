import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveOutboxService } from '../apps/backoffice/src/archive/archive-outbox.service';
import { SyntheticRecordSource } from '../apps/backoffice/src/archive/testing/synthetic-record-source';
import {
  archiveTestDatabase,
  insertConnector,
} from '../apps/backoffice/src/archive/testing/archive-test-database';
import { ArchiveDeliveryEntity } from '../apps/backoffice/src/database/entities/archive-delivery.entity';
import { startApacheWebdav, type ApacheWebdav } from './support/apache-webdav';
import { ensureBuilt, snapshotDist } from './support/app-process';
import { validateBagDirectory, validateSerializedBag } from './support/bagit-validator';

jest.setTimeout(240_000);

const CHILD = 'dist/bench/support/archive-worker.child.js';
const RECORDS = 24;
const ATTACHMENT_BYTES = 256 * 1024;
const LEASE_MS = 1500;

/**
 * Issue 6 §5: the back office killed mid-delivery. A worker process delivers to a folder (directory bags) and to
 * Apache WebDAV (zip) and is SIGKILLed at random moments, several times; after the last restart every record is on
 * each server exactly once (counted there), each a valid bag, and every outbox entry is delivered.
 */
describe('archive delivery under SIGKILL', () => {
  const seed = Number(process.env.ARCHIVE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  let dir: string;
  let dav: ApacheWebdav;

  beforeAll(async () => {
    ensureBuilt([CHILD]);
    dir = mkdtempSync(join(tmpdir(), 'archive-crash-'));
    dav = await startApacheWebdav();
  });

  afterAll(async () => {
    await dav?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`delivers every record exactly once after repeated kills (seed ${seed})`, async () => {
    let state = seed >>> 0;
    const random = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const root = await snapshotDist(dir);
    const { url, db } = await archiveTestDatabase('archive_crash', dir);
    const folder = join(dir, 'archive');
    mkdirSync(folder);
    await insertConnector(db, {
      kind: 'folder',
      settings: { path: folder },
      format: 'directory',
      maxAttempts: 50,
    });
    await insertConnector(db, {
      kind: 'webdav',
      settings: { url: dav.url, username: dav.username },
      secret: dav.password,
      format: 'zip',
      maxAttempts: 50,
    });
    const outbox = new ArchiveOutboxService(db);
    const ids = Array.from({ length: RECORDS }, () => randomUUID());
    await db.transaction(async (em) => {
      for (const id of ids) {
        await outbox.enqueue(em, {
          id,
          municipalityCode: '990019',
          formId: 'sodai-gomi',
          receiptNumber: SyntheticRecordSource.receiptOf(id),
        });
      }
    });

    /** Final (non-hidden) entries in the folder: one per record delivered there. */
    const deliveredToFolder = () => readdirSync(folder).filter((n) => !n.startsWith('.')).length;
    /**
     * Runs one worker process. With `killAfter`, it is SIGKILLed `jitterMs` after `killAfter` more records have
     * reached the folder than when it started: progress-based rather than timed, so the kill lands mid-delivery on a
     * fast idle machine as well as on a loaded one (a timed kill let an idle CI machine finish every round first).
     */
    const run = (killAfter?: { records: number; jitterMs: number }) =>
      new Promise<number | null>((resolve) => {
        const start = deliveredToFolder();
        const child = spawn(
          process.execPath,
          [join(root, CHILD), url, String(LEASE_MS), String(ATTACHMENT_BYTES)],
          {
            cwd: root,
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        );
        const poll =
          killAfter === undefined
            ? undefined
            : setInterval(() => {
                if (deliveredToFolder() - start >= killAfter.records) {
                  clearInterval(poll);
                  setTimeout(() => child.kill('SIGKILL'), killAfter.jitterMs);
                }
              }, 2);
        child.on('exit', (code) => {
          clearInterval(poll);
          resolve(code);
        });
      });

    let kills = 0;
    for (let round = 0; round < 4; round += 1) {
      const code = await run({
        records: 1 + Math.floor(random() * 3),
        jitterMs: Math.floor(random() * 20),
      });
      if (code === null) {
        kills += 1;
      }
      // the killed worker's claims expire before the next process can take them over
      await new Promise((r) => setTimeout(r, LEASE_MS + 100));
    }
    // the first round always ends in a kill: at most 3 of the 24 records are in the folder when it is sent
    expect(kills).toBeGreaterThan(0);
    await expect(run()).resolves.toBe(0);

    const receipts = ids.map((id) => SyntheticRecordSource.receiptOf(id)).sort();
    // the folder: exactly one directory per record under its final name, each a valid bag
    const finals = readdirSync(folder).filter((n) => !n.startsWith('.'));
    expect(finals.sort()).toEqual(receipts);
    for (const name of finals) {
      expect({ name, errors: validateBagDirectory(join(folder, name)).errors }).toEqual({
        name,
        errors: [],
      });
    }
    // WebDAV: exactly one zip per record on the server
    const zips = readdirSync(dav.root).filter((n) => !n.startsWith('.'));
    expect(zips.sort()).toEqual(receipts.map((r) => `${r}.zip`));
    for (const zip of zips.slice(0, 5)) {
      expect(validateSerializedBag(join(dav.root, zip)).errors).toEqual([]);
    }
    const rows = await db.getRepository(ArchiveDeliveryEntity).find();
    expect(rows).toHaveLength(RECORDS * 2);
    expect(rows.filter((r) => r.state !== 'delivered')).toEqual([]);
    await db.destroy();
  });
});
