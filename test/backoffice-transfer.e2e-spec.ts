import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  TRANSFER_PATHS,
  TransferClient,
  verifyTransferRequest,
  type TransferApplication,
  type TransferStatusUpdate,
} from '@madoguchi/transfer';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { ApplicationsService } from '../apps/backoffice/src/applications/applications.service';
import { staffContextOf } from '../apps/backoffice/src/auth/staff-context';
import { createBackofficeApp } from '../apps/backoffice/src/backoffice.app';
import type { BackofficeConfig } from '../apps/backoffice/src/config/backoffice.config';
import { ApplicationEntity } from '../apps/backoffice/src/database/entities/application.entity';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { ApplicationIntakeService } from '../apps/backoffice/src/transfer/application-intake.service';
import { PullWorker, type WorkerLogger } from '../apps/backoffice/src/transfer/pull.worker';
import { testDatabaseUrl } from './support/test-database';

jest.setTimeout(60_000);

const KEY = 'transfer-test-key-0123456789abcdef-xyz';

function application(overrides: Partial<TransferApplication> = {}): TransferApplication {
  const bytes = Buffer.from(`%PDF-1.7 ${randomUUID()}`);
  const id = randomUUID();
  const attachmentId = randomUUID();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    id,
    receiptNumber: `R-${id.slice(0, 8)}`,
    municipalityCode: '990019',
    formId: 'sodai-gomi',
    formVersion: 1,
    formSha256: 'a'.repeat(64),
    formTitle: { ja: '粗大ごみ収集申込' },
    answers: {
      tel: '03-1234-5678',
      map: [
        { id: attachmentId, name: 'map.pdf', type: 'application/pdf', size: bytes.length, sha256 },
      ],
    },
    attachments: [
      {
        id: attachmentId,
        fieldId: 'map',
        name: 'map.pdf',
        type: 'application/pdf',
        size: bytes.length,
        sha256,
        contentBase64: bytes.toString('base64'),
      },
    ],
    submittedAt: new Date().toISOString(),
    ...overrides,
  };
}

/**
 * A stand-in portal over real HTTP: checks every request's HMAC with the shared key (verifyTransferRequest) and
 * refuses replayed nonces, hands out what is pending, forgets an application only when it is acknowledged, and
 * keeps the highest status version per receipt number, as the portal does.
 */
class FakePortal {
  readonly pending = new Map<string, TransferApplication>();
  readonly acknowledged: string[] = [];
  readonly statuses = new Map<string, TransferStatusUpdate>();
  readonly refused: string[] = [];
  failNextAcks = 0;
  failNextStatus = 0;
  private readonly nonces = new Set<string>();
  private server: FastifyInstance | undefined;
  url = '';

  async start(port = 0): Promise<void> {
    const server = Fastify();
    server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    const verify = (req: FastifyRequest): boolean => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        const { nonce } = verifyTransferRequest(KEY, req.method, req.url, req.headers, body);
        if (this.nonces.has(nonce)) {
          throw new Error('replayed');
        }
        this.nonces.add(nonce);
        return true;
      } catch (e) {
        this.refused.push((e as Error).message);
        return false;
      }
    };
    server.get(TRANSFER_PATHS.applications, async (req, reply) => {
      if (!verify(req)) {
        return reply.code(401).send({ error: 'unauthorized' });
      }
      const limit = Number((req.query as { limit?: string }).limit ?? 20);
      return { applications: [...this.pending.values()].slice(0, limit) };
    });
    server.post('/transfer/v1/applications/:id/ack', async (req, reply) => {
      if (!verify(req)) {
        return reply.code(401).send({ error: 'unauthorized' });
      }
      if (this.failNextAcks > 0) {
        this.failNextAcks -= 1;
        return reply.code(500).send({ error: 'crashed before forgetting' });
      }
      const { id } = req.params as { id: string };
      this.pending.delete(id);
      this.acknowledged.push(id);
      return {};
    });
    server.post(TRANSFER_PATHS.status, async (req, reply) => {
      if (!verify(req)) {
        return reply.code(401).send({ error: 'unauthorized' });
      }
      if (this.failNextStatus > 0) {
        this.failNextStatus -= 1;
        return reply.code(503).send({ error: 'unavailable' });
      }
      const { updates } = JSON.parse((req.body as Buffer).toString()) as {
        updates: TransferStatusUpdate[];
      };
      for (const u of updates) {
        const known = this.statuses.get(u.receiptNumber);
        if (!known || known.version < u.version) {
          this.statuses.set(u.receiptNumber, u);
        }
      }
      return {};
    });
    await server.listen({ port, host: '127.0.0.1' });
    this.server = server;
    const address = server.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  add(...apps: TransferApplication[]): void {
    for (const a of apps) {
      this.pending.set(a.id, a);
    }
  }
}

class RecordingLogger implements WorkerLogger {
  readonly lines: string[] = [];
  log(m: string) {
    this.lines.push(`log ${m}`);
  }
  warn(m: string) {
    this.lines.push(`warn ${m}`);
  }
  error(m: string) {
    this.lines.push(`error ${m}`);
  }
}

describe('back office pull worker against a portal over HTTP', () => {
  let dir: string;
  let config: BackofficeConfig;
  let portal: FakePortal;
  let app: NestFastifyApplication;
  let logger: RecordingLogger;
  let sut: PullWorker;

  const workerFor = (a: NestFastifyApplication, key = KEY) =>
    new PullWorker(
      new TransferClient(portal.url, key, 5000),
      a.get(ApplicationIntakeService),
      a.get(DataSource),
      100,
      logger,
    );

  const rows = () =>
    app
      .get(DataSource)
      .getRepository(ApplicationEntity)
      .find({ order: { receiptNumber: 'ASC' } });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-transfer-'));
    portal = new FakePortal();
    await portal.start();
    config = {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: await testDatabaseUrl('backoffice_transfer', dir),
      dataDir: join(dir, 'data'),
      portalTransferUrl: portal.url,
      transferKey: KEY,
      cookieSecret: 'c'.repeat(32),
      pullIntervalMs: 100,
      formsDir: resolve(__dirname, '..', 'forms'),
      isProduction: false,
    };
    app = await createBackofficeApp(config, {
      isWorkerManual: true,
      logger: false,
      announceFirstAdmin: () => undefined,
    });
    logger = new RecordingLogger();
    sut = workerFor(app);
  });

  afterEach(async () => {
    await app?.close();
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores what the portal hands out, with the attachment bytes, and acknowledges each', async () => {
    const submitted = Array.from({ length: 23 }, () => application());
    portal.add(...submitted);
    await expect(sut.runOnce()).resolves.toMatchObject({ stored: 23, duplicates: 0, failed: 0 });
    expect(portal.pending.size).toBe(0);
    expect(portal.acknowledged.sort()).toEqual(submitted.map((a) => a.id).sort());
    const stored = await rows();
    expect(stored).toHaveLength(23);
    expect(stored.every((r) => r.status === 'received' && r.statusVersion === 0)).toBe(true);

    const staff = await app.get(StaffService).createUser({
      loginId: 'r1',
      displayName: 'r1',
      password: 'a long staff password',
      role: 'reviewer',
      municipalityCode: '990019',
      mustChangePassword: false,
      departments: ['環境政策課'],
    });
    const ctx = staffContextOf(staff, '');
    const detail = await app.get(ApplicationsService).detail(ctx, stored[0].id);
    const original = submitted.find((a) => a.id === stored[0].portalId)!;
    const { bytes } = await app
      .get(ApplicationsService)
      .attachment(ctx, stored[0].id, detail.attachments[0].id);
    expect(bytes.toString('base64')).toBe(original.attachments[0].contentBase64);

    await expect(sut.runOnce()).resolves.toMatchObject({ stored: 0, duplicates: 0 });
  });

  it('stores once when the acknowledgement is lost, and acknowledges on the next cycle', async () => {
    const a = application();
    portal.add(a);
    portal.failNextAcks = 1;
    await sut.runOnce();
    expect(portal.pending.has(a.id)).toBe(true);
    expect(await rows()).toHaveLength(1);
    await expect(sut.runOnce()).resolves.toMatchObject({ stored: 0, duplicates: 1 });
    expect(portal.pending.size).toBe(0);
    expect(await rows()).toHaveLength(1);
  });

  it('loses and duplicates nothing when the back office dies between storing and acknowledging', async () => {
    const a = application();
    const b = application();
    portal.add(a, b);
    // the dying instance got as far as storing a
    await app.get(ApplicationIntakeService).store(a);
    await app.close();

    app = await createBackofficeApp(config, { isWorkerManual: true, logger: false });
    sut = workerFor(app);
    await expect(sut.runOnce()).resolves.toMatchObject({ stored: 1, duplicates: 1, failed: 0 });
    expect(portal.pending.size).toBe(0);
    expect((await rows()).map((r) => r.portalId).sort()).toEqual([a.id, b.id].sort());
  });

  it('says once that the portal is down, keeps trying, and picks up when it is back', async () => {
    const port = Number(new URL(portal.url).port);
    await portal.stop();
    await sut.runOnce();
    await sut.runOnce();
    await sut.runOnce();
    expect(logger.lines.filter((l) => l.startsWith('warn'))).toHaveLength(1);
    expect(logger.lines[0]).toContain('portal unreachable');

    await portal.start(port);
    portal.add(application());
    await expect(sut.runOnce()).resolves.toMatchObject({ stored: 1 });
    expect(logger.lines).toContain('log portal reachable again');
  });

  it('gets nothing with the wrong key: the portal refuses the signature', async () => {
    portal.add(application());
    const wrong = workerFor(app, 'w'.repeat(40));
    await expect(wrong.runOnce()).resolves.toMatchObject({ stored: 0 });
    expect(portal.refused).toContain('transfer signature does not match');
    expect(logger.lines[0]).toContain('401');
    expect(await rows()).toHaveLength(0);
  });

  it('does not store or acknowledge an attachment whose bytes do not match its SHA-256', async () => {
    const good = application();
    const bad = application();
    bad.attachments[0].contentBase64 = Buffer.from('something else entirely').toString('base64');
    portal.add(bad, good);
    await expect(sut.runOnce()).resolves.toMatchObject({ stored: 1, failed: 1 });
    expect(portal.pending.has(bad.id)).toBe(true);
    expect(portal.pending.has(good.id)).toBe(false);
    expect(logger.lines.some((l) => l.startsWith('error') && l.includes(bad.id))).toBe(true);
    expect((await rows()).map((r) => r.portalId)).toEqual([good.id]);
  });

  it('pushes status changes from the outbox, again after a failure, and marks them pushed', async () => {
    const a = application();
    portal.add(a);
    await sut.runOnce();
    const [row] = await rows();
    const user = await app.get(StaffService).createUser({
      loginId: 'r2',
      displayName: 'r2',
      password: 'a long staff password',
      role: 'reviewer',
      municipalityCode: '990019',
      mustChangePassword: false,
      departments: ['環境政策課'],
    });
    const staff = staffContextOf(user, '');
    const service = app.get(ApplicationsService);
    await service.changeStatus(staff, row.id, { to: 'in_review', message: '', expectedVersion: 0 });
    await service.changeStatus(staff, row.id, {
      to: 'returned',
      message: '地図を添付してください。',
      expectedVersion: 1,
    });

    portal.failNextStatus = 1;
    await expect(sut.runOnce()).resolves.toMatchObject({ pushed: 0 });
    expect(portal.statuses.size).toBe(0);
    await expect(sut.runOnce()).resolves.toMatchObject({ pushed: 2 });
    expect(portal.statuses.get(a.receiptNumber)).toMatchObject({
      status: 'returned',
      version: 2,
      message: '地図を添付してください。',
    });
    const unpushed = await app
      .get(DataSource)
      .query('SELECT id FROM status_outbox WHERE pushed_at IS NULL');
    expect(unpushed).toEqual([]);
    await expect(sut.runOnce()).resolves.toMatchObject({ pushed: 0 });
  });

  it('starts its own worker with the app and stops it when the app closes', async () => {
    await app.close();
    app = await createBackofficeApp(config, { logger: false });
    portal.add(application());
    const deadline = Date.now() + 10_000;
    while (portal.pending.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(portal.pending.size).toBe(0);
    await app.close();
    portal.add(application());
    await new Promise((r) => setTimeout(r, 500));
    expect(portal.pending.size).toBe(1);
    app = await createBackofficeApp(config, { isWorkerManual: true, logger: false });
  });

  it('runs on its interval once started, and stops cleanly', async () => {
    const worker = workerFor(app);
    portal.add(application());
    worker.start();
    const deadline = Date.now() + 10_000;
    while (portal.pending.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await worker.stop();
    expect(portal.pending.size).toBe(0);
    portal.add(application());
    await new Promise((r) => setTimeout(r, 300));
    expect(portal.pending.size).toBe(1);
  });
});
