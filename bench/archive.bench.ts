/**
 * bench:archive (issue 6 §6): packages/s and MB/s delivered by the archive worker to the folder connector and to
 * the WebDAV connector (Debian's Apache httpd + mod_dav on loopback, started here), with records of realistic size
 * (a signed document, a signature and two attachments of 1 MB), and the back office's request latency while a
 * delivery runs in the same process (as in production: the worker runs inside each back-office process).
 *
 *   npm run bench:archive                  # 1,000 records per connector
 *   npm run bench:archive -- --records 200
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { startApacheWebdav } from '../test/support/apache-webdav';
import { ArchiveOutboxService } from '../apps/backoffice/src/archive/archive-outbox.service';
import { ArchiveWorker } from '../apps/backoffice/src/archive/archive.worker';
import { SyntheticRecordSource } from '../apps/backoffice/src/archive/testing/synthetic-record-source';
import { createBackofficeApp } from '../apps/backoffice/src/backoffice.app';
import { ArchiveConnectorEntity } from '../apps/backoffice/src/database/entities/archive-connector.entity';
import { ArchiveDeliveryEntity } from '../apps/backoffice/src/database/entities/archive-delivery.entity';

const MB = 1024 * 1024;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Latency of the back office's pages measured from another process, while `during` runs. */
async function latency(urls: string[], during: () => Promise<unknown>, minimum: number) {
  const child = spawn(
    process.execPath,
    [join(__dirname, 'support', 'latency.child.js'), String(minimum), ...urls],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  await during();
  child.stdin.write('stop\n');
  await exited;
  return JSON.parse(out) as Record<string, number[]>;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const records = arg('records', 1000);
  const attachmentBytes = arg('attachment-mb', 1) * MB;
  const dir = mkdtempSync(join(tmpdir(), 'bench-archive-'));
  const dav = await startApacheWebdav();
  const app = await createBackofficeApp(
    {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: `sqlite:${join(dir, 'backoffice.sqlite')}`,
      dataDir: join(dir, 'data'),
      portalTransferUrl: 'http://127.0.0.1:9',
      transferKey: 'k'.repeat(32),
      cookieSecret: 'c'.repeat(32),
      pullIntervalMs: 3_600_000,
      formsDir: resolve(__dirname, '..', '..', 'forms'),
      isProduction: false,
    },
    { isWorkerManual: true, logger: false, announceFirstAdmin: () => undefined },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = app.get(DataSource);
  const outbox = new ArchiveOutboxService(db);
  const source = new SyntheticRecordSource(attachmentBytes);
  const worker = new ArchiveWorker(db, outbox, source, {
    intervalMs: 1000,
    leaseMs: 600_000,
    batchSize: 20,
    backoff: { baseMs: 1000, maxMs: 60_000 },
  });
  const packageBytes = 2 * attachmentBytes + 2048;
  console.log(
    `bench:archive — ${records} records per connector, each ${(packageBytes / MB).toFixed(2)} MB of payload ` +
      `(document, signature, two ${attachmentBytes / MB} MB attachments); SQLite; worker batch 20`,
  );

  const connectors = db.getRepository(ArchiveConnectorEntity);
  const now = new Date();
  const connector = async (
    kind: 'folder' | 'webdav',
    settings: Record<string, string>,
    secret: string | null,
  ) => {
    await connectors.update({ municipalityCode: '990019' }, { isEnabled: false });
    const c: ArchiveConnectorEntity = {
      id: randomUUID(),
      municipalityCode: '990019',
      name: `bench-${kind}`,
      kind,
      format: 'directory',
      settings,
      secret,
      formIds: [],
      isEnabled: true,
      maxAttempts: 5,
      createdAt: now,
      updatedAt: now,
    };
    await connectors.insert(c);
    return c;
  };
  const enqueue = async (n: number) => {
    await db.transaction(async (em) => {
      for (let i = 0; i < n; i += 1) {
        const id = randomUUID();
        await outbox.enqueue(em, {
          id,
          municipalityCode: '990019',
          formId: 'sodai-gomi',
          receiptNumber: SyntheticRecordSource.receiptOf(id),
        });
      }
    });
  };

  // back-office latency at rest
  const pages = [`${base}/healthz`, `${base}/login`];
  const idle = await latency(pages, () => new Promise((r) => setTimeout(r, 3000)), 100);

  const results: string[] = [];
  for (const [kind, settings, secret] of [
    ['folder', { path: join(dir, 'archive') }, null],
    ['webdav', { url: dav.url, username: dav.username }, dav.password],
  ] as const) {
    if (kind === 'folder') {
      mkdirSync(settings.path);
    }
    const c = await connector(kind, settings, secret);
    await enqueue(records);
    const t0 = performance.now();
    let delivered = 0;
    let seconds = 0;
    // the back office's pages while this delivery runs (one client, one request at a time, 20 ms apart)
    const busy = await latency(
      pages,
      async () => {
        delivered = await worker.drain();
        seconds = (performance.now() - t0) / 1000;
      },
      20,
    );
    const failed = await db
      .getRepository(ArchiveDeliveryEntity)
      .countBy({ connectorId: c.id, state: 'dead' });
    results.push(
      `${kind.padEnd(7)} ${delivered} packages in ${seconds.toFixed(1)} s: ${(delivered / seconds).toFixed(1)} packages/s, ` +
        `${((delivered * packageBytes) / MB / seconds).toFixed(1)} MB/s payload` +
        (failed ? ` (${failed} failed)` : ''),
    );
    for (const page of pages) {
      const path = new URL(page).pathname;
      results.push(
        `        ${path.padEnd(9)} while delivering: p50 ${fmt(percentile(busy[page], 50))}, p99 ${fmt(percentile(busy[page], 99))} ` +
          `(${busy[page].length} requests; at rest p50 ${fmt(percentile(idle[page], 50))}, p99 ${fmt(percentile(idle[page], 99))})`,
      );
    }
    console.log(results.slice(-3).join('\n'));
  }
  await app.close();
  await dav.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
