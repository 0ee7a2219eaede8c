import { FileBlobStore } from '@madoguchi/common';
import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource, IsNull } from 'typeorm';
import { createBackofficeApp } from '../apps/backoffice/src/backoffice.app';
import type { BackofficeConfig } from '../apps/backoffice/src/config/backoffice.config';
import { RecordDisposalEntity } from '../apps/backoffice/src/database/entities/record-disposal.entity';
import { testDatabaseUrl } from './support/test-database';

jest.setTimeout(120_000);

const CONTENT = '廃棄される住民の申請書 山田花子';

/** Every message the back office logs, as one line each. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(String(message));
  }
  warn(message: unknown): void {
    this.lines.push(String(message));
  }
  error(message: unknown): void {
    this.lines.push(String(message));
  }
}

/**
 * issue 5 §8: a disposal deletes its files after the commit; a process that died in between leaves their keys in the
 * register (filesDeletedAt empty). The back office finishes them when it starts, not only npm run backoffice:disposal.
 */
describe('back office start-up finishes interrupted record disposals (SQLite or PostgreSQL)', () => {
  let dir: string;
  let config: BackofficeConfig;
  let app: NestFastifyApplication | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'disposal-startup-'));
    config = {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: await testDatabaseUrl('disposal_startup', dir),
      dataDir: join(dir, 'data'),
      portalTransferUrl: 'http://127.0.0.1:9',
      transferKey: 'k'.repeat(32),
      cookieSecret: 'c'.repeat(32),
      pullIntervalMs: 60_000,
      formsDir: resolve(__dirname, '..', 'forms'),
      isProduction: false,
    };
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<CapturingLogger> {
    const logger = new CapturingLogger();
    app = await createBackofficeApp(config, {
      isWorkerManual: true,
      logger,
      announceFirstAdmin: () => undefined,
    });
    return logger;
  }

  it('deletes the files left behind, completes the register, logs how many (never what); a second start has nothing to do', async () => {
    await start();
    const db = app!.get(DataSource);
    const blobs = new FileBlobStore(join(config.dataDir, 'blobs'));
    const blobsDir = join(config.dataDir, 'blobs');
    // what a disposal leaves when the process dies after its commit: the register with the keys still to delete
    const keys = [
      (await blobs.put(Buffer.from(`${CONTENT} 申請書`))).key,
      (await blobs.put(Buffer.from(`${CONTENT} 添付`))).key,
    ];
    const kept = (await blobs.put(Buffer.from('another application, not disposed'))).key;
    const now = new Date();
    const pending = {
      id: randomUUID(),
      recordId: randomUUID(),
      applicationId: randomUUID(),
      municipalityCode: '990019',
      receiptNumber: 'R-DISPOSED-1',
      formId: 'test-form',
      formVersion: 1,
      packageSha256: 'a'.repeat(64),
      retentionEnd: '2025-03-31',
      department: null,
      receivedAt: now,
      recordCreatedAt: now,
      fileCount: keys.length,
      disposedAt: now,
      approvedBy: randomUUID(),
      approvedByName: '管理者',
      blobKeys: keys,
      filesDeletedAt: null,
    };
    await db.getRepository(RecordDisposalEntity).insert(pending);
    for (const k of [...keys, kept]) {
      expect(existsSync(join(blobsDir, k))).toBe(true);
    }
    await app!.close();
    app = undefined;

    const logged = await start();

    for (const k of keys) {
      expect(existsSync(join(blobsDir, k))).toBe(false);
    }
    expect(existsSync(join(blobsDir, kept))).toBe(true);
    const db2 = app!.get(DataSource);
    const done = await db2.getRepository(RecordDisposalEntity).findOneByOrFail({ id: pending.id });
    expect(done.blobKeys).toEqual([]);
    expect(done.filesDeletedAt).toBeInstanceOf(Date);
    expect(done).toMatchObject({ receiptNumber: 'R-DISPOSED-1', fileCount: 2 });
    await expect(
      db2.getRepository(RecordDisposalEntity).countBy({ filesDeletedAt: IsNull() }),
    ).resolves.toBe(0);
    const lines = logged.lines.filter((l) => l.includes('interrupted record disposals'));
    expect(lines).toEqual(['interrupted record disposals finished: 2 files removed (1 disposals)']);
    const all = logged.lines.join('\n');
    expect(all).not.toContain('山田花子');
    for (const k of keys) {
      expect(all).not.toContain(k);
    }
    await app!.close();
    app = undefined;

    // idempotent: the next start finds nothing pending, logs nothing of it and changes nothing
    const again = await start();
    expect(again.lines.filter((l) => l.includes('interrupted record disposals'))).toEqual([]);
    const after = await app!
      .get(DataSource)
      .getRepository(RecordDisposalEntity)
      .findOneByOrFail({ id: pending.id });
    expect(after.filesDeletedAt?.getTime()).toBe(done.filesDeletedAt?.getTime());
    expect(existsSync(join(blobsDir, kept))).toBe(true);
  });
});
