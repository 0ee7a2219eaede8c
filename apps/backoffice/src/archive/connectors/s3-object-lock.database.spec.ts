import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import {
  validateBagDirectory,
  validateSerializedBag,
} from '../../../../../test/support/bagit-validator';
import { startCephRgw, type CephRgw } from '../../../../../test/support/ceph-rgw';
import { startFaultProxy, type FaultProxy } from '../../../../../test/support/fault-proxy';
import { ArchiveDeliveryEntity } from '../../database/entities/archive-delivery.entity';
import { ArchiveOutboxService } from '../archive-outbox.service';
import { ArchiveWorker } from '../archive.worker';
import { archiveRecord } from '../testing/archive-record.factory';
import {
  archiveTestDatabase,
  enqueueArchiveRecord,
  insertConnector,
  TEST_WORKER_OPTIONS as OPTIONS,
} from '../testing/archive-test-database';
import { MemoryRecordSource } from '../testing/memory-record-source';
import { S3Target, type S3Settings } from './s3.target';

// starting the gateway (monitor, OSD, radosgw) takes 10-20 s on a loaded machine
jest.setTimeout(300_000);

const LOCKED = 'archive-locked';
const PLAIN = 'archive-plain';

describe('S3 connector against Ceph RGW (object lock, checksums verified by the store)', () => {
  let rgw: CephRgw;
  let proxy: FaultProxy;
  let dir: string;
  let db: DataSource;
  let outbox: ArchiveOutboxService;
  let records: MemoryRecordSource;
  let settings: S3Settings;

  beforeAll(async () => {
    rgw = await startCephRgw();
    proxy = await startFaultProxy(rgw.endpoint, 3000, { isHostKept: true });
    await rgw.client.send(
      new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }),
    );
    await rgw.client.send(new CreateBucketCommand({ Bucket: PLAIN }));
  });

  afterAll(async () => {
    await proxy?.close();
    await rgw?.stop();
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archive-rgw-'));
    ({ db } = await archiveTestDatabase('archive_rgw', dir));
    outbox = new ArchiveOutboxService(db);
    records = new MemoryRecordSource();
    proxy.fault = 'none';
    settings = {
      endpoint: rgw.endpoint,
      region: 'ap-northeast-1',
      bucket: LOCKED,
      prefix: `run-${Date.now()}-${Math.random().toString(36).slice(2, 8)}/`,
      accessKeyId: rgw.accessKeyId,
      secretAccessKey: rgw.secretAccessKey,
    };
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const connector = (format: 'directory' | 'zip' | 'tar', overrides: Partial<S3Settings> = {}) => {
    const { secretAccessKey, ...shown } = { ...settings, ...overrides };
    return insertConnector(db, { kind: 's3', settings: shown, secret: secretAccessKey, format });
  };
  const accept = () => enqueueArchiveRecord(db, outbox, records.add(archiveRecord()));
  const rows = () => db.getRepository(ArchiveDeliveryEntity).find();
  const objects = async (prefix: string) =>
    (await rgw.versions(LOCKED, prefix)).map((v) =>
      v.isDeleteMarker ? `${v.key} (delete marker)` : v.key,
    );
  /** the end of the record's retention day in Japan, as the worker computes it */
  const retentionEnd = (record: ReturnType<typeof archiveRecord>) =>
    new Date(`${record.record.retentionEndDate}T23:59:59+09:00`);

  it('接続テスト tells whether the bucket protects packages with object lock', async () => {
    await expect(new S3Target(settings).test()).resolves.toContain('オブジェクトロックが有効です');
    await expect(new S3Target({ ...settings, bucket: PLAIN }).test()).resolves.toContain(
      'オブジェクトロックが使えません',
    );
  });

  it('a directory bag in a lock-enabled bucket: every object in COMPLIANCE retention until the record’s retention end, not deletable; a valid bag', async () => {
    await connector('directory');
    const record = await accept();
    await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(1);
    const [row] = await rows();
    expect(row).toMatchObject({ state: 'delivered', lastError: null }); // no "not protected" note
    const root = `${settings.prefix}${record.record.receiptNumber}/`;
    const keys = await objects(root);
    expect(keys).toHaveLength(8);

    const local = join(dir, 'download');
    for (const key of keys) {
      const retention = await rgw.client.send(
        new GetObjectRetentionCommand({ Bucket: LOCKED, Key: key }),
      );
      expect(retention.Retention?.Mode).toBe('COMPLIANCE');
      expect(retention.Retention?.RetainUntilDate?.getTime()).toBe(retentionEnd(record).getTime());
      const answer = await rgw.client.send(new GetObjectCommand({ Bucket: LOCKED, Key: key }));
      const bytes = Buffer.from(await answer.Body!.transformToByteArray());
      expect(answer.Metadata?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      const path = join(local, ...key.slice(root.length).split('/'));
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, bytes);
      // the locked version cannot be deleted before the retention end
      await expect(
        rgw.client.send(
          new DeleteObjectCommand({ Bucket: LOCKED, Key: key, VersionId: answer.VersionId }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
    }
    expect(validateBagDirectory(local).errors).toEqual([]);
    await expect(
      new S3Target(settings).fixity(row.location!, 'directory', row.packageSha256!),
    ).resolves.toEqual({ isIntact: true, differences: [] });
  });

  it('a zip changed on the way is refused by the store (Content-MD5, BadDigest) and retried: nothing stored, then delivered locked', async () => {
    await connector('zip', { endpoint: proxy.url.replace(/\/$/, '') });
    const record = await accept();
    const sut = new ArchiveWorker(db, outbox, records, OPTIONS);
    proxy.fault = 'corrupt-put';
    await sut.runOnce();
    let [row] = await rows();
    expect({ ...row, lastResponse: row.lastResponse ?? '' }).toMatchObject({
      state: 'pending',
      attempts: 1,
      location: null,
      lastResponse: expect.stringContaining('BadDigest'),
    });
    expect(row.lastError).toContain('チェックサムが送った内容と一致しない');
    expect(await rgw.versions(LOCKED, settings.prefix)).toEqual([]); // not even a version

    proxy.fault = 'none';
    await new Promise((r) => setTimeout(r, 5));
    await expect(sut.drain()).resolves.toBe(1);
    [row] = await rows();
    expect(row).toMatchObject({ state: 'delivered', attempts: 2 });
    const key = `${settings.prefix}${record.record.receiptNumber}.zip`;
    expect(await objects(settings.prefix)).toEqual([key]);
    const head = await rgw.client.send(new HeadObjectCommand({ Bucket: LOCKED, Key: key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(retentionEnd(record).getTime());
    const answer = await rgw.client.send(new GetObjectCommand({ Bucket: LOCKED, Key: key }));
    const bytes = Buffer.from(await answer.Body!.transformToByteArray());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(row.packageSha256);
    // the store's own checksum of what it holds: the ETag of a plain object is its MD5
    expect(head.ETag).toBe(`"${createHash('md5').update(bytes).digest('hex')}"`);
    const file = join(dir, 'p.zip');
    writeFileSync(file, bytes);
    expect(validateSerializedBag(file).errors).toEqual([]);
  });

  it('a bucket without object lock: delivered, with the note that retention does not protect it', async () => {
    await connector('tar', { bucket: PLAIN });
    await accept();
    await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(1);
    const [row] = await rows();
    expect(row.state).toBe('delivered');
    expect(row.lastError).toContain('オブジェクトロックに対応していない');
  });
});
