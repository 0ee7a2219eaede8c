import { Logger, type FactoryProvider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BackofficeConfig } from '../config/backoffice.config';
import { ArchiveOutboxService } from './archive-outbox.service';
import { ArchiveWorker, DEFAULT_WORKER_OPTIONS, type ArchiveRecordSource } from './archive.worker';

/** Where the worker reads records (the records service, through an adapter). */
export const ARCHIVE_RECORD_SOURCE = Symbol('ARCHIVE_RECORD_SOURCE');

/** Until the records service is wired in, a record cannot be read: the entry backs off and is retried later. */
const NO_RECORDS: ArchiveRecordSource = {
  read: (recordId) => Promise.reject(new Error(`records are not available to read ${recordId}`)),
};

export function archiveWorkerProvider(config: BackofficeConfig): FactoryProvider<ArchiveWorker> {
  return {
    provide: ArchiveWorker,
    useFactory: (db: DataSource, outbox: ArchiveOutboxService, source?: ArchiveRecordSource) =>
      new ArchiveWorker(
        db,
        outbox,
        source ?? NO_RECORDS,
        {
          ...DEFAULT_WORKER_OPTIONS,
          intervalMs: config.archive?.intervalMs ?? DEFAULT_WORKER_OPTIONS.intervalMs,
          leaseMs: config.archive?.leaseMs ?? DEFAULT_WORKER_OPTIONS.leaseMs,
        },
        new Logger('ArchiveWorker'),
      ),
    inject: [DataSource, ArchiveOutboxService, { token: ARCHIVE_RECORD_SOURCE, optional: true }],
  };
}
