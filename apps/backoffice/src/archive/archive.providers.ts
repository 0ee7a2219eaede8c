import { SecretBox } from '@madoguchi/common';
import { Logger, type FactoryProvider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BackofficeConfig } from '../config/backoffice.config';
import { AuditAction } from '../audit/audit-action';
import { AuditLog } from '../audit/audit-log';
import { sealedTargets } from '../database/stored-secrets';
import { ArchiveFixityService, type FixityReporter } from './archive-fixity.service';
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
    useFactory: (
      db: DataSource,
      outbox: ArchiveOutboxService,
      secrets: SecretBox,
      source?: ArchiveRecordSource,
    ) =>
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
        sealedTargets(secrets),
      ),
    inject: [
      DataSource,
      ArchiveOutboxService,
      SecretBox,
      { token: ARCHIVE_RECORD_SOURCE, optional: true },
    ],
  };
}

/** Runs the fixity check of every municipality's delivered packages once a day (and at start-up after a minute). */
export class ArchiveFixityScheduler {
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly fixity: ArchiveFixityService,
    private readonly everyMs = 24 * 3600_000,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  start(): void {
    const tick = () => {
      if (!this.running) {
        this.running = this.fixity
          .run()
          .catch((e: Error) => this.logger?.warn(`fixity: ${e.message}`))
          .finally(() => {
            this.running = undefined;
          });
      }
    };
    const first = setTimeout(tick, 60_000);
    first.unref();
    const every = setInterval(tick, this.everyMs);
    every.unref();
    this.timers = [first, every];
  }

  async stop(): Promise<void> {
    this.timers.forEach((t) => clearTimeout(t));
    this.timers = [];
    await this.running;
  }
}

/** Fixity findings go to the application log and, as `archive.fixity_failed`, to the hash-chained audit log. */
export function fixityAuditReporter(
  db: DataSource,
  audit: AuditLog,
  logger: Pick<Logger, 'warn'> = new Logger('ArchiveFixity'),
): FixityReporter {
  return async (finding) => {
    logger.warn(
      `fixity: ${finding.receiptNumber} at ${finding.connectorName} (${finding.location}) differs: ${finding.differences.join('; ')}`,
    );
    await audit.append(db.manager, {
      actor: null,
      municipalityCode: finding.municipalityCode,
      action: AuditAction.ArchiveFixityFailed,
      targetType: 'archive_delivery',
      targetId: finding.deliveryId,
      detail: {
        receiptNumber: finding.receiptNumber,
        connector: finding.connectorName,
        location: finding.location,
        differences: finding.differences,
      },
    });
  };
}

export function archiveFixityProvider(): FactoryProvider<ArchiveFixityService> {
  return {
    provide: ArchiveFixityService,
    useFactory: (db: DataSource, audit: AuditLog, secrets: SecretBox) =>
      new ArchiveFixityService(db, fixityAuditReporter(db, audit), sealedTargets(secrets)),
    inject: [DataSource, AuditLog, SecretBox],
  };
}
