import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { freePort } from '../../../../../test/support/apache-webdav';
import {
  validateBagDirectory,
  validateSerializedBag,
} from '../../../../../test/support/bagit-validator';
import { startFaultProxy, type FaultProxy } from '../../../../../test/support/fault-proxy';
import { startS3rver, type S3Server } from '../../../../../test/support/s3rver-server';
import { ArchiveFixityService, type FixityFinding } from '../archive-fixity.service';
import { ArchiveDeliveryEntity } from '../../database/entities/archive-delivery.entity';
import { ArchiveOutboxService } from '../archive-outbox.service';
import { ArchiveWorker } from '../archive.worker';
import { buildBag } from '../bagit/bag';
import { archiveRecord } from '../testing/archive-record.factory';
import {
  archiveTestDatabase,
  enqueueArchiveRecord,
  insertConnector,
  TEST_WORKER_OPTIONS as OPTIONS,
} from '../testing/archive-test-database';
import { MemoryRecordSource } from '../testing/memory-record-source';
import { S3Target, type S3Settings } from './s3.target';

describe('S3 connector against s3rver', () => {
  let s3: S3Server;
  let proxy: FaultProxy;
  let dir: string;
  let db: DataSource;
  let outbox: ArchiveOutboxService;
  let records: MemoryRecordSource;
  let settings: S3Settings;

  beforeAll(async () => {
    s3 = await startS3rver();
    proxy = await startFaultProxy(s3.endpoint);
  });

  afterAll(async () => {
    await proxy.close();
    await s3.stop();
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archive-s3-'));
    ({ db } = await archiveTestDatabase('archive_s3', dir));
    outbox = new ArchiveOutboxService(db);
    records = new MemoryRecordSource();
    proxy.fault = 'none';
    settings = {
      endpoint: s3.endpoint,
      region: 'ap-northeast-1',
      bucket: s3.bucket,
      prefix: `run-${Date.now()}-${Math.random().toString(36).slice(2, 8)}/`,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    };
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const connector = (
    format: 'directory' | 'zip' | 'tar',
    overrides: Partial<S3Settings> = {},
    maxAttempts = 5,
  ) => {
    const { secretAccessKey, ...shown } = { ...settings, ...overrides };
    return insertConnector(db, {
      kind: 's3',
      settings: shown,
      secret: secretAccessKey,
      format,
      maxAttempts,
    });
  };
  const accept = () => enqueueArchiveRecord(db, outbox, records.add(archiveRecord()));
  const keysUnderPrefix = async () =>
    (await s3.keys()).filter((k) => k.startsWith(settings.prefix));
  const download = async (key: string) => {
    const answer = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return {
      bytes: Buffer.from(await answer.Body!.transformToByteArray()),
      metadata: answer.Metadata,
    };
  };

  it('delivers a directory bag as one object per file under bucket/prefix; downloaded, it is a valid bag', async () => {
    await connector('directory');
    const record = await accept();
    await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(1);

    const keys = await keysUnderPrefix();
    const root = `${settings.prefix}${record.record.receiptNumber}/`;
    expect(keys.every((k) => k.startsWith(root))).toBe(true);
    const local = join(dir, 'download');
    for (const key of keys) {
      const path = join(local, ...key.slice(root.length).split('/'));
      mkdirSync(join(path, '..'), { recursive: true });
      const { bytes, metadata } = await download(key);
      writeFileSync(path, bytes);
      // the SHA-256 travels with every object
      expect(metadata?.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(validateBagDirectory(local).errors).toEqual([]);
    expect(keys).toHaveLength(8); // 4 tag files + 4 payload files
    const [row] = await db.getRepository(ArchiveDeliveryEntity).find();
    expect(row.location).toBe(`s3://${s3.bucket}/${root}`);
    // s3rver has no object lock: the delivery says the record is not protected by retention there
    expect(row.lastError).toContain('オブジェクトロックに対応していない');
  });

  it('delivers one zip object that is a valid bag; a retry after a crash finds it and adds nothing', async () => {
    await connector('zip');
    const record = await accept();
    const [claimed] = await outbox.claim('dead-process', 1, 100);
    await new S3Target(settings).deliver(buildBag(record, claimed.acceptedAt), {
      format: 'zip',
      idempotencyKey: claimed.idempotencyKey,
      retainUntil: null,
    });
    await new Promise((r) => setTimeout(r, 150));
    await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(1);

    const key = `${settings.prefix}${record.record.receiptNumber}.zip`;
    expect(await keysUnderPrefix()).toEqual([key]);
    const file = join(dir, 'p.zip');
    writeFileSync(file, (await download(key)).bytes);
    expect(validateSerializedBag(file).errors).toEqual([]);
  });

  it('never overwrites another package under the same key: dead letter, the object kept', async () => {
    await connector('tar');
    const record = await accept();
    const key = `${settings.prefix}${record.record.receiptNumber}.tar`;
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: 'someone else',
        Metadata: { sha256: 'f'.repeat(64) },
      }),
    );
    await new ArchiveWorker(db, outbox, records, OPTIONS).drain();
    const [row] = await db.getRepository(ArchiveDeliveryEntity).find();
    expect(row.state).toBe('dead');
    expect(row.lastError).toContain('上書きはしません');
    expect((await download(key)).bytes.toString()).toBe('someone else');
  });

  it('接続テスト and deliveries with a missing bucket, wrong credentials or a server that is down say what is wrong', async () => {
    await expect(new S3Target(settings).test()).resolves.toContain('書き込めることを確かめました');
    await expect(new S3Target({ ...settings, bucket: 'no-such-bucket' }).test()).rejects.toThrow(
      'バケット「no-such-bucket」がありません',
    );
    // s3rver checks the access key id but does not verify SigV4 signatures: a wrong key id stands for wrong credentials
    await expect(new S3Target({ ...settings, accessKeyId: 'WRONGKEY' }).test()).rejects.toThrow(
      /認証に失敗したか、権限がありません/,
    );
    const closed = await freePort();
    await expect(
      new S3Target({ ...settings, endpoint: `http://127.0.0.1:${closed}` }).test(),
    ).rejects.toThrow(/接続できませんでした（ECONNREFUSED）/);

    await connector('directory', { bucket: 'no-such-bucket' });
    await accept();
    await new ArchiveWorker(db, outbox, records, OPTIONS).drain();
    const [row] = await db.getRepository(ArchiveDeliveryEntity).find();
    expect(row).toMatchObject({ state: 'dead', attempts: 1 });
    expect(row.lastError).toContain('バケット「no-such-bucket」がありません');
    expect(row.lastResponse).toContain('NoSuchBucket');
  });

  it('fixity re-reads the objects and names the one that changed in the bucket', async () => {
    await connector('directory');
    const record = await accept();
    await new ArchiveWorker(db, outbox, records, OPTIONS).drain();
    const [row] = await db.getRepository(ArchiveDeliveryEntity).find();
    const target = new S3Target(settings);
    await expect(target.fixity(row.location!, 'directory', row.packageSha256!)).resolves.toEqual({
      isIntact: true,
      differences: [],
    });
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${settings.prefix}${record.record.receiptNumber}/data/signature.p7s`,
        Body: 'replaced',
      }),
    );
    await expect(target.fixity(row.location!, 'directory', row.packageSha256!)).resolves.toEqual({
      isIntact: false,
      differences: ['data/signature.p7s has changed'],
    });
  });

  it.each([
    [
      'stores other bytes than it was sent while answering 200 (caught by the ETag it computed)',
      'corrupt-put',
      'zip',
      'ストレージが計算したチェックサムが送った内容と一致しません',
    ],
    [
      'reads back other bytes than it stores (caught by the read-back)',
      'corrupt-get',
      'directory',
      '読み戻した内容が一致しません',
    ],
  ] as const)(
    'a store that %s: never delivered, the bad object removed, dead letter after the attempts; delivered once it behaves',
    async (_what, fault, format, message) => {
      await connector(format, { endpoint: proxy.url.replace(/\/$/, '') }, 2);
      const record = await accept();
      proxy.fault = fault;
      const sut = new ArchiveWorker(db, outbox, records, OPTIONS);
      await sut.runOnce();
      let [row] = await db.getRepository(ArchiveDeliveryEntity).find();
      expect(row).toMatchObject({ state: 'pending', attempts: 1, location: null });
      expect(row.lastError).toContain(message);
      // what the store holds wrongly is not left behind as if it were the package
      expect(await keysUnderPrefix()).toEqual([]);

      await new Promise((r) => setTimeout(r, 5));
      await sut.drain();
      [row] = await db.getRepository(ArchiveDeliveryEntity).find();
      expect(row).toMatchObject({ state: 'dead', attempts: 2, deliveredAt: null });
      expect(row.lastError).toContain(message);

      // nothing lost: the record is still there to send; 再送 once the store behaves delivers it whole
      proxy.fault = 'none';
      await outbox.retry('990019', row.id);
      await expect(sut.drain()).resolves.toBe(1);
      [row] = await db.getRepository(ArchiveDeliveryEntity).find();
      expect(row).toMatchObject({ state: 'delivered', attempts: 1 });
      await expect(
        new S3Target(settings).fixity(row.location!, format, row.packageSha256!),
      ).resolves.toEqual({ isIntact: true, differences: [] });
      if (format === 'zip') {
        const file = join(dir, 'p.zip');
        writeFileSync(
          file,
          (await download(`${settings.prefix}${record.record.receiptNumber}.zip`)).bytes,
        );
        expect(validateSerializedBag(file).errors).toEqual([]);
      }
    },
  );

  it("fixity catches an object whose bytes changed on the server's disk behind its back (bit rot), and reports it", async () => {
    await connector('zip');
    const [changed, intact] = [await accept(), await accept()];
    await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(2);
    const file = s3.objectFile(`${settings.prefix}${changed.record.receiptNumber}.zip`);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01; // one bit, same size
    writeFileSync(file, bytes);

    const reported: FixityFinding[] = [];
    const result = await new ArchiveFixityService(db, (f) => {
      reported.push(f);
      return Promise.resolve();
    }).run();
    expect(result).toMatchObject({ checked: 2, intact: 1, unreadable: 0 });
    expect(reported.map((f) => f.receiptNumber)).toEqual([changed.record.receiptNumber]);
    expect(reported[0].differences).toEqual([
      expect.stringMatching(/\.zip has changed \(SHA-256 [0-9a-f]{64}\)$/),
    ]);
    const rows = await db.getRepository(ArchiveDeliveryEntity).find();
    expect(rows.find((r) => r.receiptNumber === intact.record.receiptNumber)?.fixityState).toBe(
      'ok',
    );
    expect(rows.find((r) => r.receiptNumber === changed.record.receiptNumber)?.fixityState).toBe(
      'failed',
    );
  });

  it('on a store with conditional writes (412), a directory bag interrupted before its tag manifest is completed; a file with other bytes is never overwritten', async () => {
    const endpoint = proxy.url.replace(/\/$/, '');
    const viaProxy = new S3Client({
      endpoint,
      region: 'ap-northeast-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    try {
      proxy.fault = 'conditional-put';
      await connector('directory', { endpoint });
      const interrupted = await accept();
      const [claimed] = await outbox.claim('dead-process', 1, 100);
      await new S3Target({ ...settings, endpoint }).deliver(
        buildBag(interrupted, claimed.acceptedAt),
        { format: 'directory', idempotencyKey: claimed.idempotencyKey, retainUntil: null },
      );
      // the process died before it wrote the tag manifest (the last object) and before it settled
      const root = `${settings.prefix}${interrupted.record.receiptNumber}/`;
      await viaProxy.send(
        new DeleteObjectCommand({ Bucket: s3.bucket, Key: `${root}tagmanifest-sha256.txt` }),
      );
      await new Promise((r) => setTimeout(r, 150)); // its claim runs out
      const puts = proxy.counts.PUT ?? 0;
      await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(1);
      expect((proxy.counts.PUT ?? 0) - puts).toBe(8); // 7 refused with 412, the tag manifest written
      let [row] = await db.getRepository(ArchiveDeliveryEntity).find();
      expect(row).toMatchObject({ state: 'delivered', location: `s3://${s3.bucket}/${root}` });
      await expect(
        new S3Target(settings).fixity(row.location!, 'directory', row.packageSha256!),
      ).resolves.toEqual({ isIntact: true, differences: [] });

      await db.getRepository(ArchiveDeliveryEntity).clear();
      const other = await accept();
      const taken = `${settings.prefix}${other.record.receiptNumber}/data/document.json`;
      await viaProxy.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: taken, Body: 'someone else' }),
      );
      await new ArchiveWorker(db, outbox, records, OPTIONS).drain();
      [row] = await db.getRepository(ArchiveDeliveryEntity).find();
      expect(row).toMatchObject({ state: 'dead', deliveredAt: null });
      expect(row.lastError).toContain('上書きはしません');
      expect((await download(taken)).bytes.toString()).toBe('someone else');
    } finally {
      viaProxy.destroy();
    }
  });
});
