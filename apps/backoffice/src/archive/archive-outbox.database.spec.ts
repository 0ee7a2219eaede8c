import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { ArchiveDeliveryEntity } from '../database/entities/archive-delivery.entity';
import { ArchiveErrorCode } from './archive.error';
import { ArchiveOutboxService, backoffDelay, type AcceptedRecord } from './archive-outbox.service';
import { archiveTestDatabase, insertConnector } from './testing/archive-test-database';

const BACKOFF = { baseMs: 1000, maxMs: 60_000 };

function accepted(overrides: Partial<AcceptedRecord> = {}): AcceptedRecord {
  return {
    id: randomUUID(),
    municipalityCode: '990019',
    formId: 'sodai-gomi',
    receiptNumber: `R-${randomUUID().slice(0, 8)}`,
    ...overrides,
  };
}

describe('archive outbox (database)', () => {
  let dir: string;
  let url: string;
  let db: DataSource;
  let sut: ArchiveOutboxService;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archive-outbox-'));
    ({ url, db } = await archiveTestDatabase('archive_outbox', dir));
    sut = new ArchiveOutboxService(db);
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enqueues one entry per enabled connector that takes the form, only when the transaction commits', async () => {
    const all = await insertConnector(db, { kind: 'folder', settings: { path: '/tmp' } });
    const forForm = await insertConnector(db, {
      kind: 'folder',
      settings: { path: '/tmp' },
      formIds: ['sodai-gomi'],
    });
    await insertConnector(db, {
      kind: 'folder',
      settings: { path: '/tmp' },
      formIds: ['juminhyo'],
    });
    await insertConnector(db, { kind: 'folder', settings: { path: '/tmp' }, isEnabled: false });
    await insertConnector(db, {
      kind: 'folder',
      settings: { path: '/tmp' },
      municipalityCode: '131016',
    });
    const record = accepted();

    await expect(
      db.transaction(async (em) => {
        await sut.enqueue(em, record);
        throw new Error('the acceptance failed after the outbox rows were written');
      }),
    ).rejects.toThrow('the acceptance failed');
    expect(await db.getRepository(ArchiveDeliveryEntity).count()).toBe(0);

    await db.transaction((em) => sut.enqueue(em, record));
    await db.transaction((em) => sut.enqueue(em, record)); // a repeated hook adds nothing
    const rows = await db.getRepository(ArchiveDeliveryEntity).find();
    expect(rows.map((r) => r.connectorId).sort()).toEqual([all.id, forForm.id].sort());
    expect(rows.map((r) => r.idempotencyKey).sort()).toEqual(
      [`${record.id}:${all.id}`, `${record.id}:${forForm.id}`].sort(),
    );
    expect(rows.every((r) => r.state === 'pending' && r.attempts === 0)).toBe(true);
  });

  it('two processes claiming at once never get the same entry, and together get them all', async () => {
    const connector = await insertConnector(db, { kind: 'folder', settings: { path: '/tmp' } });
    await db.transaction(async (em) => {
      for (let i = 0; i < 30; i += 1) {
        await sut.enqueue(em, accepted());
      }
    });
    expect(connector.id).toBeDefined();
    // a second connection to the same database, as a second back-office process has
    const other = await openBackofficeDatabase(url);
    try {
      const second = new ArchiveOutboxService(other);
      const claimed: string[] = [];
      for (let round = 0; round < 10; round += 1) {
        const [a, b] = await Promise.all([
          sut.claim('process-a', 4, 60_000),
          second.claim('process-b', 4, 60_000),
        ]);
        claimed.push(...a.map((d) => d.id), ...b.map((d) => d.id));
      }
      expect(claimed).toHaveLength(30);
      expect(new Set(claimed).size).toBe(30);
    } finally {
      await other.destroy();
    }
  });

  it('a claim holds for its lease; an expired claim (a worker that died) is taken over', async () => {
    await insertConnector(db, { kind: 'folder', settings: { path: '/tmp' } });
    const t0 = new Date();
    await db.transaction((em) => sut.enqueue(em, accepted(), t0));
    const [first] = await sut.claim('a', 10, 1000, t0);
    expect(first).toBeDefined();
    expect(await sut.claim('b', 10, 1000, new Date(t0.getTime() + 500))).toEqual([]);
    const [takenOver] = await sut.claim('b', 10, 1000, new Date(t0.getTime() + 1500));
    expect(takenOver.id).toBe(first.id);
    // the first worker wakes up: its claim is gone, it cannot settle the entry
    await expect(
      sut.markDelivered(first, { location: '/x', packageSha256: 'a'.repeat(64) }),
    ).resolves.toBe(false);
    await expect(
      sut.markDelivered(takenOver, { location: '/x', packageSha256: 'a'.repeat(64) }),
    ).resolves.toBe(true);
  });

  it('backs off with jitter, dead-letters after the last attempt, and 「再送」 puts it back', async () => {
    await insertConnector(db, { kind: 'folder', settings: { path: '/tmp' } });
    await db.transaction((em) => sut.enqueue(em, accepted()));
    const failure = { message: '接続できませんでした', response: 'HTTP 503', isRetryable: true };
    let now = new Date();
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const [entry] = await sut.claim('w', 1, 60_000, now);
      expect(entry.attempts).toBe(attempt - 1);
      const state = await sut.markFailed(entry, failure, 3, BACKOFF, now);
      const row = await db.getRepository(ArchiveDeliveryEntity).findOneByOrFail({ id: entry.id });
      if (attempt < 3) {
        expect(state).toBe('pending');
        const wait = row.nextAttemptAt.getTime() - now.getTime();
        const ceiling = BACKOFF.baseMs * 2 ** (attempt - 1);
        expect(wait).toBeGreaterThanOrEqual(ceiling / 2 - 1);
        expect(wait).toBeLessThanOrEqual(ceiling + 1);
        // not due before its time
        expect(await sut.claim('w', 1, 60_000, new Date(now.getTime() + ceiling / 2 - 10))).toEqual(
          [],
        );
        now = new Date(now.getTime() + ceiling + 10);
      } else {
        expect(state).toBe('dead');
        expect(row.lastError).toBe('接続できませんでした');
        expect(row.lastResponse).toBe('HTTP 503');
      }
    }
    const [dead] = await sut.deadLetters('990019');
    expect(dead.attempts).toBe(3);
    expect(await sut.deadLetters('131016')).toEqual([]);
    await expect(sut.retry('131016', dead.id)).rejects.toMatchObject({
      code: ArchiveErrorCode.DeliveryNotFound,
    });
    await sut.retry('990019', dead.id);
    const [again] = await sut.claim('w', 1, 60_000);
    expect(again).toMatchObject({ id: dead.id, state: 'pending', attempts: 0 });
  });

  it('a failure that cannot succeed (4xx, a package already there) goes to the dead letters at once', async () => {
    await insertConnector(db, { kind: 'folder', settings: { path: '/tmp' } });
    await db.transaction((em) => sut.enqueue(em, accepted()));
    const [entry] = await sut.claim('w', 1, 60_000);
    await expect(
      sut.markFailed(
        entry,
        { message: 'HTTP 400', response: 'bad', isRetryable: false },
        8,
        BACKOFF,
      ),
    ).resolves.toBe('dead');
  });

  it('back-off delays double up to the cap, each within the upper half of its step', () => {
    expect(backoffDelay(1, BACKOFF, () => 0)).toBe(500);
    expect(backoffDelay(1, BACKOFF, () => 1)).toBe(1000);
    expect(backoffDelay(4, BACKOFF, () => 1)).toBe(8000);
    expect(backoffDelay(30, BACKOFF, () => 1)).toBe(60_000);
    expect(backoffDelay(30, BACKOFF, () => 0)).toBe(30_000);
  });
});
