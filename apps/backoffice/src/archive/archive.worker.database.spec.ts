import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import {
  validateBagDirectory,
  validateSerializedBag,
} from '../../../../test/support/bagit-validator';
import { ArchiveDeliveryEntity } from '../database/entities/archive-delivery.entity';
import { ArchiveOutboxService } from './archive-outbox.service';
import { ArchiveWorker } from './archive.worker';
import { buildBag } from './bagit/bag';
import type { PackageFormat } from './bagit/bag-writers';
import { FolderTarget } from './connectors/folder.target';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './connectors/webhook.target';
import { archiveRecord } from './testing/archive-record.factory';
import {
  archiveTestDatabase,
  insertConnector,
  TEST_WORKER_OPTIONS as OPTIONS,
} from './testing/archive-test-database';
import { MemoryRecordSource } from './testing/memory-record-source';

describe('archive worker (database, real folder and HTTP receivers)', () => {
  let dir: string;
  let db: DataSource;
  let outbox: ArchiveOutboxService;
  let records: MemoryRecordSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archive-worker-'));
    ({ db } = await archiveTestDatabase('archive_worker', dir));
    outbox = new ArchiveOutboxService(db);
    records = new MemoryRecordSource();
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const accept = async (record = archiveRecord()) => {
    records.add(record);
    await db.transaction((em) =>
      outbox.enqueue(em, {
        id: record.record.id,
        municipalityCode: record.record.municipalityCode,
        formId: record.record.formId,
        receiptNumber: record.record.receiptNumber,
      }),
    );
    return record;
  };
  const deliveries = () =>
    db.getRepository(ArchiveDeliveryEntity).find({ order: { receiptNumber: 'ASC' } });

  describe('folder', () => {
    it('sweeps the temporaries an interrupted delivery left (our names, unchanged for longer than the lease), nothing else', async () => {
      const target = join(dir, 'archive');
      mkdirSync(target);
      const old = new Date(Date.now() - 2 * OPTIONS.leaseMs);
      const make = (name: string, files: string[], mtime: Date | null) => {
        for (const file of files) {
          mkdirSync(join(target, name, file, '..'), { recursive: true });
          writeFileSync(join(target, name, file), 'x');
        }
        if (files.length === 0) {
          writeFileSync(join(target, name), 'x');
        }
        if (mtime) {
          for (const file of [...files.map((f) => join(name, f)), name]) {
            utimesSync(join(target, file), mtime, mtime);
          }
          for (const file of files) {
            utimesSync(join(target, name, file, '..'), mtime, mtime);
          }
        }
      };
      // left by a crash: a directory bag half written, a zip half written, a probe of 接続テスト
      make('.R20261129-000001.partial-0123456789ab', ['bagit.txt', 'data/document.json'], old);
      make('.R20261129-000002.zip.partial-abcdef012345', [], old);
      make('.madoguchi-probe-00aa11bb22cc', [], old);
      // kept: a temporary being written now, an old one whose writer is busy deep inside, names not ours, a package
      make('.R20261129-000003.partial-aaaaaaaaaaaa', ['bagit.txt'], null);
      make('.R20261129-000004.partial-bbbbbbbbbbbb', ['bagit.txt', 'data/big.pdf'], old);
      utimesSync(
        join(target, '.R20261129-000004.partial-bbbbbbbbbbbb', 'data', 'big.pdf'),
        new Date(),
        new Date(),
      );
      make('.R20261129-000005.partial-notours', [], old);
      make('.hidden-by-someone', [], old);
      make('R20261129-000006', ['bagit.txt'], old);
      symlinkSync(
        join(target, 'R20261129-000006'),
        join(target, '.R20261129-000007.partial-cccccccccccc'),
      );

      await insertConnector(db, { kind: 'folder', settings: { path: target }, format: 'zip' });
      const record = await accept();
      const logged: string[] = [];
      const sut = new ArchiveWorker(db, outbox, records, OPTIONS, {
        log: (m: string) => logged.push(m),
        warn: (m: string) => logged.push(m),
      });
      await expect(sut.drain()).resolves.toBe(1);

      expect(readdirSync(target).sort()).toEqual(
        [
          '.R20261129-000003.partial-aaaaaaaaaaaa',
          '.R20261129-000004.partial-bbbbbbbbbbbb',
          '.R20261129-000005.partial-notours',
          '.R20261129-000007.partial-cccccccccccc',
          '.hidden-by-someone',
          'R20261129-000006',
          `${record.record.receiptNumber}.zip`,
        ].sort(),
      );
      expect(logged).toEqual([
        expect.stringContaining(
          'removed 3 temporaries left by interrupted deliveries: .R20261129-000001.partial-0123456789ab, .R20261129-000002.zip.partial-abcdef012345, .madoguchi-probe-00aa11bb22cc',
        ),
      ]);
      expect(readdirSync(join(target, 'R20261129-000006'))).toEqual(['bagit.txt']);

      // once per lease: a temporary left since is swept by the next sweep, not at every delivery
      make('.R20261129-000008.partial-dddddddddddd', [], old);
      await accept();
      await expect(sut.drain()).resolves.toBe(1);
      expect(readdirSync(target)).toContain('.R20261129-000008.partial-dddddddddddd');
    });

    it.each(['directory', 'zip', 'tar'] as PackageFormat[])(
      'delivers each record once as a valid %s bag, atomically, nothing left behind',
      async (format) => {
        const target = join(dir, 'archive');
        mkdirSync(target);
        await insertConnector(db, { kind: 'folder', settings: { path: target }, format });
        const accepted = [await accept(), await accept(), await accept()];
        const sut = new ArchiveWorker(db, outbox, records, OPTIONS);

        await expect(sut.drain()).resolves.toBe(3);

        const names = readdirSync(target).sort();
        const suffix = format === 'directory' ? '' : `.${format}`;
        expect(names).toEqual(accepted.map((r) => `${r.record.receiptNumber}${suffix}`).sort());
        for (const name of names) {
          const report =
            format === 'directory'
              ? validateBagDirectory(join(target, name))
              : validateSerializedBag(join(target, name));
          expect({ name, errors: report.errors }).toEqual({ name, errors: [] });
        }
        const rows = await deliveries();
        expect(rows.every((r) => r.state === 'delivered' && r.attempts === 1)).toBe(true);
        expect(rows.map((r) => r.location)).toEqual(names.map((n) => join(target, n)));
        await expect(sut.drain()).resolves.toBe(0);
      },
    );

    it('a worker that died after writing, before settling: the next one finds the package there, no second copy', async () => {
      const target = join(dir, 'archive');
      mkdirSync(target);
      const connector = await insertConnector(db, { kind: 'folder', settings: { path: target } });
      const record = await accept();
      const t0 = new Date();
      // the first process claims with a short lease and writes the package, then dies
      const [claimed] = await outbox.claim('dead-process', 1, 200, t0);
      await new FolderTarget(target).deliver(buildBag(record, claimed.acceptedAt), {
        format: 'directory',
        idempotencyKey: claimed.idempotencyKey,
        retainUntil: null,
      });
      await new Promise((r) => setTimeout(r, 300));

      const sut = new ArchiveWorker(db, outbox, records, OPTIONS);
      await expect(sut.drain()).resolves.toBe(1);
      expect(readdirSync(target)).toEqual([record.record.receiptNumber]);
      const [row] = await deliveries();
      expect(row).toMatchObject({ state: 'delivered', connectorId: connector.id });
    });

    it('never overwrites a different package under the same name: dead letter, the old one kept', async () => {
      const target = join(dir, 'archive');
      const record = archiveRecord();
      mkdirSync(join(target, record.record.receiptNumber), { recursive: true });
      writeFileSync(join(target, record.record.receiptNumber, 'bagit.txt'), 'someone else’s\n');
      await insertConnector(db, { kind: 'folder', settings: { path: target } });
      await accept(record);

      await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(0);
      const [row] = await deliveries();
      expect(row.state).toBe('dead');
      expect(row.lastError).toContain('上書きはしません');
      expect(readdirSync(join(target, record.record.receiptNumber))).toEqual(['bagit.txt']);
      expect(readdirSync(target)).toEqual([record.record.receiptNumber]);
    });

    it('a receipt number that would escape the folder is refused (dead letter), nothing written outside', async () => {
      const target = join(dir, 'deep', 'archive');
      mkdirSync(target, { recursive: true });
      await insertConnector(db, { kind: 'folder', settings: { path: target } });
      await accept(archiveRecord({ receiptNumber: '../escaped' }));

      await new ArchiveWorker(db, outbox, records, OPTIONS).drain();
      const [row] = await deliveries();
      expect(row.state).toBe('dead');
      expect(row.lastError).toContain('cannot name a package');
      expect(readdirSync(join(dir, 'deep'))).toEqual(['archive']);
      expect(readdirSync(target)).toEqual([]);
    });

    it('a missing folder: retried with back-off, then dead with a message that says what to check', async () => {
      await insertConnector(db, {
        kind: 'folder',
        settings: { path: join(dir, 'not-mounted') },
        maxAttempts: 3,
      });
      await accept();
      const sut = new ArchiveWorker(db, outbox, records, OPTIONS);
      for (let i = 0; i < 3; i += 1) {
        await sut.drain();
        await new Promise((r) => setTimeout(r, 5));
      }
      const [row] = await deliveries();
      expect(row).toMatchObject({ state: 'dead', attempts: 3 });
      expect(row.lastError).toContain('がありません。パスを確かめるか');
    });
  });

  describe('webhook', () => {
    let server: Server;
    let url: string;
    let handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
    const received: Array<{ headers: IncomingMessage['headers']; body: Buffer }> = [];

    beforeEach(async () => {
      received.length = 0;
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => handler(req, Buffer.concat(chunks), res));
        req.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    });

    afterEach(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    const hookConnector = (maxAttempts = 3, timeoutMs = '2000') =>
      insertConnector(db, {
        kind: 'webhook',
        settings: { url, timeoutMs },
        secret: 'a shared key of the receiver',
        format: 'zip',
        maxAttempts,
      });

    it('POSTs the zip with an HMAC-SHA256 over timestamp and body the receiver can check; the zip is a valid bag', async () => {
      handler = (req, body, res) => {
        received.push({ headers: req.headers, body });
        res.writeHead(202).end('accepted');
      };
      await hookConnector();
      const record = await accept();
      await expect(new ArchiveWorker(db, outbox, records, OPTIONS).drain()).resolves.toBe(1);

      expect(received).toHaveLength(1);
      const [{ headers, body }] = received;
      const timestamp = headers[TIMESTAMP_HEADER] as string;
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
      // what a receiver does, with nothing of ours: HMAC-SHA256 over "<timestamp>." and the body it received
      const expected = createHmac('sha256', 'a shared key of the receiver')
        .update(Buffer.concat([Buffer.from(`${timestamp}.`), body]))
        .digest('hex');
      expect(headers[SIGNATURE_HEADER]).toBe(`sha256=${expected}`);
      expect(webhookSignature('a shared key of the receiver', timestamp, body)).toBe(
        `sha256=${expected}`,
      );
      expect(headers[SIGNATURE_HEADER]).not.toBe(webhookSignature('another key', timestamp, body));
      // streamed with its length announced; the SHA-256 header names the very bytes received
      expect(headers['content-length']).toBe(String(body.length));
      expect(headers['transfer-encoding']).toBeUndefined();
      expect(headers['x-madoguchi-package-sha256']).toBe(
        createHash('sha256').update(body).digest('hex'),
      );
      expect(headers['content-type']).toBe('application/zip');
      expect(headers['idempotency-key']).toMatch(new RegExp(`^${record.record.id}:`));
      const zip = join(dir, 'received.zip');
      writeFileSync(zip, body);
      expect(validateSerializedBag(zip).errors).toEqual([]);
      const [row] = await deliveries();
      expect(row.state).toBe('delivered');
      expect(row.packageSha256).toBe(headers['x-madoguchi-package-sha256']);
      // the temporary zip is gone
      expect(readdirSync(tmpdir()).filter((n) => n.startsWith('madoguchi-webhook-'))).toEqual([]);
    });

    it('retries on 500 and on a closed connection, then succeeds', async () => {
      let calls = 0;
      handler = (req, body, res) => {
        calls += 1;
        if (calls === 1) {
          res.writeHead(500).end('database down');
        } else if (calls === 2) {
          req.socket.destroy();
        } else {
          received.push({ headers: req.headers, body });
          res.writeHead(200).end();
        }
      };
      await hookConnector(5);
      await accept();
      const sut = new ArchiveWorker(db, outbox, records, OPTIONS);
      for (let i = 0; i < 3; i += 1) {
        await sut.drain();
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(calls).toBe(3);
      expect(received).toHaveLength(1);
      const [row] = await deliveries();
      expect(row).toMatchObject({ state: 'delivered', attempts: 3 });
    });

    it('a slow receiver times out and is retried; a 4xx is not retried and its answer is shown', async () => {
      handler = (_req, _body, res) => {
        setTimeout(() => res.writeHead(200).end(), 1500);
      };
      await hookConnector(3, '200');
      await accept();
      const sut = new ArchiveWorker(db, outbox, records, OPTIONS);
      await sut.runOnce();
      let [row] = await deliveries();
      expect(row).toMatchObject({ state: 'pending', attempts: 1 });
      expect(row.lastError).toContain('時間内に応答しませんでした');

      handler = (_req, _body, res) => {
        res.writeHead(422, { 'content-type': 'text/plain' }).end('missing field: 文書分類');
      };
      await new Promise((r) => setTimeout(r, 5));
      await sut.runOnce();
      [row] = await deliveries();
      expect(row).toMatchObject({ state: 'dead', attempts: 2 });
      expect(row.lastError).toContain('HTTP 422');
      expect(row.lastResponse).toContain('missing field: 文書分類');
    });

    it('a receiver that is down: connection refused, retried, then dead with a message naming the address', async () => {
      handler = () => undefined;
      await hookConnector(2);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      server = createServer();
      await accept();
      const sut = new ArchiveWorker(db, outbox, records, OPTIONS);
      await sut.drain();
      await new Promise((r) => setTimeout(r, 5));
      await sut.drain();
      const [row] = await deliveries();
      expect(row).toMatchObject({ state: 'dead', attempts: 2 });
      expect(row.lastError).toContain(
        `${new URL(url).origin} に接続できませんでした（ECONNREFUSED）`,
      );
      server.listen(0);
    });
  });
});
