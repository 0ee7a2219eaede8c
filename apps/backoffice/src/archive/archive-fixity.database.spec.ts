import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { freePort } from '../../../../test/support/apache-webdav';
import { ArchiveDeliveryEntity } from '../database/entities/archive-delivery.entity';
import { ArchiveFixityService, type FixityFinding } from './archive-fixity.service';
import { ArchiveOutboxService } from './archive-outbox.service';
import { ArchiveWorker } from './archive.worker';
import type { PackageFormat } from './bagit/bag-writers';
import { archiveRecord } from './testing/archive-record.factory';
import {
  archiveTestDatabase,
  enqueueArchiveRecord,
  insertConnector,
} from './testing/archive-test-database';
import { MemoryRecordSource } from './testing/memory-record-source';

describe('archive fixity (database, real folder)', () => {
  let dir: string;
  let db: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archive-fixity-'));
    ({ db } = await archiveTestDatabase('archive_fixity', dir));
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function deliverTwo(format: PackageFormat) {
    const folder = join(dir, `archive-${format}`);
    mkdirSync(folder);
    await insertConnector(db, { kind: 'folder', settings: { path: folder }, format, name: format });
    const outbox = new ArchiveOutboxService(db);
    const records = new MemoryRecordSource();
    const accepted = [records.add(archiveRecord()), records.add(archiveRecord())];
    for (const r of accepted) {
      await enqueueArchiveRecord(db, outbox, r);
    }
    await new ArchiveWorker(db, outbox, records, {
      intervalMs: 1000,
      leaseMs: 60_000,
      batchSize: 10,
      backoff: { baseMs: 1, maxMs: 2 },
    }).drain();
    return { folder, accepted };
  }

  it('finds a changed payload file, an added file and a deleted tag file; reports each once; intact ones pass', async () => {
    const { folder, accepted } = await deliverTwo('directory');
    const [changed, intact] = accepted.map((r) => r.record.receiptNumber);
    writeFileSync(join(folder, changed, 'data', 'signature.p7s'), 'not the signature');
    writeFileSync(join(folder, changed, 'data', 'added.txt'), 'slipped in');
    rmSync(join(folder, changed, 'bag-info.txt'));
    const reported: FixityFinding[] = [];
    const sut = new ArchiveFixityService(db, (f) => {
      reported.push(f);
      return Promise.resolve();
    });

    const result = await sut.run();
    expect(result).toMatchObject({ checked: 2, intact: 1, unreadable: 0 });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ receiptNumber: changed, connectorName: 'directory' });
    expect(reported[0].differences.sort()).toEqual(
      [
        'bag-info.txt is missing',
        'data/added.txt is not in the manifest',
        'data/signature.p7s has changed',
      ].sort(),
    );
    const rows = await db.getRepository(ArchiveDeliveryEntity).find();
    expect(rows.find((r) => r.receiptNumber === intact)).toMatchObject({
      fixityState: 'ok',
      fixityDetail: null,
    });
    expect(rows.find((r) => r.receiptNumber === changed)?.fixityState).toBe('failed');
    expect((await sut.failures('990019')).map((r) => r.receiptNumber)).toEqual([changed]);
    expect(await sut.failures('131016')).toEqual([]);
  });

  it('a zip package replaced by other bytes, or removed, is caught', async () => {
    const { folder, accepted } = await deliverTwo('zip');
    const [replaced, removed] = accepted.map((r) => r.record.receiptNumber);
    writeFileSync(join(folder, `${replaced}.zip`), 'PK not the package');
    rmSync(join(folder, `${removed}.zip`));
    const result = await new ArchiveFixityService(db).run();
    expect(result.failed.map((f) => [f.receiptNumber, f.differences[0]]).sort()).toEqual(
      [
        [replaced, expect.stringMatching(/has changed \(SHA-256 [0-9a-f]{64}\)$/)],
        [removed, expect.stringMatching(/is missing$/)],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('a target that cannot be reached is not reported as changed: counted unreadable, checked next time', async () => {
    const port = await freePort();
    const connector = await insertConnector(db, {
      kind: 'webdav',
      settings: { url: `http://127.0.0.1:${port}/dav/`, username: 'x' },
      secret: 'y',
      name: 'down',
    });
    const record = archiveRecord();
    await enqueueArchiveRecord(db, new ArchiveOutboxService(db), record);
    await db.getRepository(ArchiveDeliveryEntity).update(
      { connectorId: connector.id },
      {
        state: 'delivered',
        location: `http://127.0.0.1:${port}/dav/${record.record.receiptNumber}/`,
        packageSha256: 'a'.repeat(64),
        deliveredAt: new Date(),
      },
    );
    const reported: FixityFinding[] = [];
    const result = await new ArchiveFixityService(db, (f) => {
      reported.push(f);
      return Promise.resolve();
    }).run();
    expect(result).toEqual({ checked: 0, intact: 0, failed: [], unreadable: 1 });
    expect(reported).toEqual([]);
    const [row] = await db.getRepository(ArchiveDeliveryEntity).find();
    expect(row.fixityCheckedAt).toBeNull();
  });
});
