import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import {
  freePort,
  startApacheWebdav,
  type ApacheWebdav,
} from '../../../../../test/support/apache-webdav';
import {
  validateBagDirectory,
  validateSerializedBag,
} from '../../../../../test/support/bagit-validator';
import { startFaultProxy, type FaultProxy } from '../../../../../test/support/fault-proxy';
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
import { WebdavTarget } from './webdav.target';

describe('WebDAV connector against Apache httpd + mod_dav', () => {
  let dav: ApacheWebdav;
  let proxy: FaultProxy;
  let dir: string;
  let db: DataSource;
  let outbox: ArchiveOutboxService;
  let records: MemoryRecordSource;

  beforeAll(async () => {
    dav = await startApacheWebdav();
  });

  afterAll(async () => {
    await dav.stop();
  });

  beforeEach(async () => {
    rmSync(dav.root, { recursive: true, force: true });
    mkdirSync(dav.root);
    chmodSync(dav.root, 0o777); // the httpd runs as an unprivileged user
    dir = mkdtempSync(join(tmpdir(), 'archive-webdav-'));
    ({ db } = await archiveTestDatabase('archive_webdav', dir));
    outbox = new ArchiveOutboxService(db);
    records = new MemoryRecordSource();
    proxy = await startFaultProxy(dav.url);
  });

  afterEach(async () => {
    await proxy.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const connector = (format: 'directory' | 'zip' | 'tar', url = dav.url, maxAttempts = 5) =>
    insertConnector(db, {
      kind: 'webdav',
      settings: { url, username: dav.username },
      secret: dav.password,
      format,
      maxAttempts,
    });
  const accept = () => enqueueArchiveRecord(db, outbox, records.add(archiveRecord()));
  const rows = () => db.getRepository(ArchiveDeliveryEntity).find();

  it('delivers a directory bag (MKCOL, PUT, read back, MOVE): valid on the server, one package, no temporary left', async () => {
    await connector('directory');
    const record = await accept();
    await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(1);

    expect(readdirSync(dav.root)).toEqual([record.record.receiptNumber]);
    const report = validateBagDirectory(join(dav.root, record.record.receiptNumber));
    expect(report.errors).toEqual([]);
    expect(report.info.get('External-Identifier')).toEqual([record.record.receiptNumber]);
    const [row] = await rows();
    expect(row.location).toBe(`${dav.url}${record.record.receiptNumber}/`);
  });

  it('sweeps the temporaries interrupted deliveries left in the collection (ours, unchanged for longer than the lease), nothing else', async () => {
    const old = new Date(Date.now() - 2 * OPTIONS.leaseMs);
    const make = (name: string, files: string[], isOld: boolean) => {
      const top = join(dav.root, name);
      if (files.length === 0) {
        writeFileSync(top, 'x');
      }
      for (const file of files) {
        mkdirSync(join(top, file, '..'), { recursive: true, mode: 0o777 });
        writeFileSync(join(top, file), 'x');
      }
      // deepest first: the httpd reports each member's own modification time
      for (const path of [
        ...files.map((f) => join(top, f)),
        ...files.map((f) => join(top, f, '..')),
        top,
      ]) {
        chmodSync(path, 0o777);
        if (isOld) {
          utimesSync(path, old, old);
        }
      }
    };
    make('.R20261129-000001.partial-0123456789ab', ['bagit.txt', 'data/document.json'], true);
    make('.R20261129-000002.zip.partial-abcdef012345', [], true);
    make('.R20261129-000003.partial-aaaaaaaaaaaa', ['bagit.txt'], false);
    make('.R20261129-000004.partial-bbbbbbbbbbbb', ['bagit.txt', 'data/big.pdf'], true);
    const busy = join(dav.root, '.R20261129-000004.partial-bbbbbbbbbbbb', 'data', 'big.pdf');
    utimesSync(busy, new Date(), new Date());
    make('.someone-elses', [], true);
    make('R20261129-000006.zip', [], true);

    await connector('zip');
    const record = await accept();
    await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(1);
    expect(readdirSync(dav.root).sort()).toEqual(
      [
        '.R20261129-000003.partial-aaaaaaaaaaaa',
        '.R20261129-000004.partial-bbbbbbbbbbbb',
        '.someone-elses',
        'R20261129-000006.zip',
        `${record.record.receiptNumber}.zip`,
      ].sort(),
    );
    await expect(
      new WebdavTarget(dav.url, dav.username, dav.password).sweepTemporaries(new Date()),
    ).resolves.toEqual([
      '.R20261129-000003.partial-aaaaaaaaaaaa',
      '.R20261129-000004.partial-bbbbbbbbbbbb',
    ]);
  });

  it('delivers zip and tar files that are valid bags', async () => {
    await connector('zip');
    await connector('tar');
    const record = await accept();
    await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(2);
    const name = record.record.receiptNumber;
    expect(readdirSync(dav.root).sort()).toEqual([`${name}.tar`, `${name}.zip`]);
    expect(validateSerializedBag(join(dav.root, `${name}.zip`)).errors).toEqual([]);
    expect(validateSerializedBag(join(dav.root, `${name}.tar`)).errors).toEqual([]);
  });

  it('a server that answers 201 but stores something else is caught by the read-back, then delivered once it behaves', async () => {
    await connector('directory', proxy.url);
    const record = await accept();
    proxy.fault = 'corrupt-put';
    const sut = new ArchiveWorker(db, outbox, records, OPTIONS);
    await sut.runOnce();
    let [row] = await rows();
    expect(row).toMatchObject({ state: 'pending', attempts: 1 });
    expect(row.lastError).toContain('読み戻した内容が一致しません');
    expect(readdirSync(dav.root)).toEqual([]); // the temporary collection was removed, nothing under the final name

    proxy.fault = 'none';
    await new Promise((r) => setTimeout(r, 5));
    await sut.drain();
    [row] = await rows();
    expect(row).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(readdirSync(dav.root)).toEqual([record.record.receiptNumber]);
    expect(validateBagDirectory(join(dav.root, record.record.receiptNumber)).errors).toEqual([]);
  });

  it('500 and a connection closed mid-upload are retried; in the end exactly one package on the server', async () => {
    await connector('zip', proxy.url);
    const record = await accept();
    const sut = new ArchiveWorker(db, outbox, records, OPTIONS);
    proxy.fault = 'status-500';
    await sut.runOnce();
    expect((await rows())[0]).toMatchObject({ state: 'pending', attempts: 1 });
    expect((await rows())[0].lastResponse).toContain('internal error (injected)');
    proxy.fault = 'close-mid-upload';
    await new Promise((r) => setTimeout(r, 5));
    await sut.runOnce();
    expect((await rows())[0]).toMatchObject({ state: 'pending', attempts: 2 });
    proxy.fault = 'none';
    await new Promise((r) => setTimeout(r, 5));
    await sut.drain();
    expect((await rows())[0]).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(readdirSync(dav.root)).toEqual([`${record.record.receiptNumber}.zip`]);
  });

  it('a package already delivered by a process that died before settling is recognised (412), not copied again', async () => {
    await connector('directory');
    const record = await accept();
    const [claimed] = await outbox.claim('dead-process', 1, 100);
    await new WebdavTarget(dav.url, dav.username, dav.password).deliver(
      buildBag(record, claimed.acceptedAt),
      {
        format: 'directory',
        idempotencyKey: claimed.idempotencyKey,
        retainUntil: null,
      },
    );
    await new Promise((r) => setTimeout(r, 150));
    await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(1);
    const files = dav.files();
    expect(files.filter((f) => f.endsWith('bagit.txt'))).toEqual([
      `${record.record.receiptNumber}/bagit.txt`,
    ]);
  });

  it('接続テスト: works; wrong password, missing collection and a server that is down each say what is wrong', async () => {
    await expect(new WebdavTarget(dav.url, dav.username, dav.password).test()).resolves.toContain(
      '書き込めることを確かめました',
    );
    await expect(new WebdavTarget(dav.url, dav.username, 'wrong').test()).rejects.toThrow(
      /認証に失敗しました（HTTP 401）/,
    );
    await expect(
      new WebdavTarget(`${dav.url}no-such/`, dav.username, dav.password).test(),
    ).rejects.toThrow(/コレクション .*no-such\/ がありません/);
    const closed = await freePort();
    await expect(
      new WebdavTarget(`http://127.0.0.1:${closed}/dav/`, 'x', 'y').test(),
    ).rejects.toThrow(`http://127.0.0.1:${closed} に接続できませんでした（ECONNREFUSED）`);
  });

  it('wrong credentials in a delivery: dead letter at once (401 is final) with the answer shown', async () => {
    await insertConnector(db, {
      kind: 'webdav',
      settings: { url: dav.url, username: dav.username },
      secret: 'not the password',
      format: 'directory',
    });
    await accept();
    await new ArchiveWorker(db, outbox, records, OPTIONS).drain();
    const [row] = await rows();
    expect(row).toMatchObject({ state: 'dead', attempts: 1 });
    expect(row.lastError).toContain('認証に失敗しました');
    expect(row.lastResponse).toContain('HTTP 401');
  });

  it('fixity re-reads the delivered package and names the file that changed on the server', async () => {
    await connector('directory');
    const record = await accept();
    await new ArchiveWorker(db, outbox, records, OPTIONS).drain();
    const [row] = await rows();
    const target = new WebdavTarget(dav.url, dav.username, dav.password);
    await expect(target.fixity(row.location!, 'directory', row.packageSha256!)).resolves.toEqual({
      isIntact: true,
      differences: [],
    });
    writeFileSync(
      join(dav.root, record.record.receiptNumber, 'data', 'document.json'),
      '{"changed":1}',
    );
    await expect(target.fixity(row.location!, 'directory', row.packageSha256!)).resolves.toEqual({
      isIntact: false,
      differences: ['data/document.json has changed'],
    });
  });
});
