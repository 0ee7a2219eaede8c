import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { testDatabaseUrl } from '../../../../../test/support/test-database';
import { openBackofficeDatabase } from '../../database/backoffice.database';
import { ArchiveConnectorEntity } from '../../database/entities/archive-connector.entity';
import { MunicipalityEntity } from '../../database/entities/municipality.entity';
import type { ArchiveOutboxService } from '../archive-outbox.service';
import type { ArchiveWorkerOptions } from '../archive.worker';
import type { ArchiveRecord } from '../bagit/bag';
import type { ConnectorKind } from '../connectors/connector-settings';

/** An archive worker's options for tests: a batch of ten and retries due at once (1–2 ms backoff). */
export const TEST_WORKER_OPTIONS: ArchiveWorkerOptions = {
  intervalMs: 1000,
  leaseMs: 60_000,
  batchSize: 10,
  backoff: { baseMs: 1, maxMs: 2 },
};

/** A migrated back-office database (SQLite in `dir`, or PostgreSQL with TEST_POSTGRES_URL) with two municipalities. */
export async function archiveTestDatabase(
  name: string,
  dir: string,
): Promise<{ url: string; db: DataSource }> {
  const url = await testDatabaseUrl(name, dir);
  const db = await openBackofficeDatabase(url);
  await db.getRepository(MunicipalityEntity).insert([
    { code: '990019', nameJa: 'まどぐち市（デモ）', nameEn: null, createdAt: new Date() },
    { code: '131016', nameJa: '千代田区', nameEn: null, createdAt: new Date() },
  ]);
  return { url, db };
}

export async function insertConnector(
  db: DataSource,
  overrides: Partial<ArchiveConnectorEntity> & {
    kind: ConnectorKind;
    settings: Record<string, string>;
  },
): Promise<ArchiveConnectorEntity> {
  const now = new Date();
  const connector: ArchiveConnectorEntity = {
    id: randomUUID(),
    municipalityCode: '990019',
    name: `connector-${randomUUID().slice(0, 8)}`,
    format: 'directory',
    secret: null,
    formIds: [],
    isEnabled: true,
    maxAttempts: 5,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  await db.getRepository(ArchiveConnectorEntity).insert(connector);
  return connector;
}

/**
 * `record` accepted as the back office accepts one (municipality 990019): its outbox rows written in one transaction,
 * one per enabled connector that takes its form. Returns `record`.
 */
export async function enqueueArchiveRecord(
  db: DataSource,
  outbox: ArchiveOutboxService,
  record: ArchiveRecord,
): Promise<ArchiveRecord> {
  await db.transaction((em) =>
    outbox.enqueue(em, {
      id: record.record.id,
      municipalityCode: '990019',
      formId: record.record.formId,
      receiptNumber: record.record.receiptNumber,
    }),
  );
  return record;
}
