import type { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { ArchiveConnectorEntity } from '../database/entities/archive-connector.entity';
import type { ArchiveDeliveryEntity } from '../database/entities/archive-delivery.entity';
import { ArchiveError } from './archive.error';
import {
  ArchiveOutboxService,
  DEFAULT_BACKOFF,
  type BackoffPolicy,
} from './archive-outbox.service';
import { buildBag, type ArchiveRecord } from './bagit/bag';
import type { ArchiveTarget } from './connectors/archive-target';
import { createTarget } from './connectors/target-factory';

/** Where the worker reads a record's metadata and files (RecordsService.read, behind a port). */
export interface ArchiveRecordSource {
  read(recordId: string): Promise<ArchiveRecord>;
}

export interface ArchiveWorkerOptions {
  intervalMs: number;
  /** how long a claim holds: a worker that dies mid-delivery leaves its entries to others after this */
  leaseMs: number;
  batchSize: number;
  backoff: BackoffPolicy;
  workerId?: string;
}

export const DEFAULT_WORKER_OPTIONS: ArchiveWorkerOptions = {
  intervalMs: 5000,
  leaseMs: 10 * 60_000,
  batchSize: 10,
  backoff: DEFAULT_BACKOFF,
};

/** The staff-facing text of a failed attempt, and whether another attempt may help. */
export function describeFailure(e: unknown): {
  message: string;
  response: string | null;
  isRetryable: boolean;
} {
  if (e instanceof ArchiveError) {
    const response = typeof e.details?.response === 'string' ? e.details.response : null;
    return { message: e.message, response, isRetryable: e.isRetryable };
  }
  const error = e as NodeJS.ErrnoException;
  // anything unexpected (a full disk, a dropped database connection) is worth another try
  return {
    message: `予期しないエラーで送れませんでした（${error.code ?? error.name}: ${error.message}）。`,
    response: null,
    isRetryable: true,
  };
}

/**
 * Delivers the archive outbox. Runs in every back-office process; claims keep two processes off the same entry,
 * and the targets' idempotency (a package already there is recognised, never written twice) covers a process
 * that died after writing but before settling.
 */
export class ArchiveWorker {
  private timer: NodeJS.Timeout | undefined;
  /** when each connector's stale temporaries were last swept (once per lease) */
  private readonly sweptAt = new Map<string, number>();
  private running: Promise<number> | undefined;
  private readonly workerId: string;

  constructor(
    private readonly db: DataSource,
    private readonly outbox: ArchiveOutboxService,
    private readonly records: ArchiveRecordSource,
    private readonly options: ArchiveWorkerOptions,
    private readonly logger?: Pick<Logger, 'warn' | 'log'>,
    private readonly targetFor: (c: ArchiveConnectorEntity) => ArchiveTarget = createTarget,
  ) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 4)}`;
  }

  start(): void {
    if (this.timer) {
      return;
    }
    this.timer = setInterval(() => {
      if (!this.running) {
        this.running = this.runOnce()
          .catch((e: Error) => {
            this.logger?.warn(`archive worker: ${e.message}`);
            return 0;
          })
          .finally(() => {
            this.running = undefined;
          });
      }
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Claims due entries and delivers them one after another; returns how many were settled as delivered. */
  async runOnce(): Promise<number> {
    return (await this.runBatch()).delivered;
  }

  /** Runs until nothing is due (tests, benchmarks); entries backing off until later are left for later. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { claimed, delivered } = await this.runBatch();
      total += delivered;
      if (claimed === 0) {
        return total;
      }
    }
  }

  private async runBatch(): Promise<{ claimed: number; delivered: number }> {
    const claimed = await this.outbox.claim(
      this.workerId,
      this.options.batchSize,
      this.options.leaseMs,
    );
    let delivered = 0;
    for (const delivery of claimed) {
      if (await this.deliver(delivery)) {
        delivered += 1;
      }
    }
    return { claimed: claimed.length, delivered };
  }

  /**
   * Removes what deliveries interrupted by a crash left at the target, at most once per lease per connector. A
   * temporary unchanged for longer than the lease belongs to no live delivery: its worker's claim has run out, and
   * a worker that is still writing it would fail to move it into place and retry.
   */
  private async sweep(connector: ArchiveConnectorEntity, target: ArchiveTarget): Promise<void> {
    const now = Date.now();
    const last = this.sweptAt.get(connector.id);
    if (!target.sweepTemporaries || (last !== undefined && now - last < this.options.leaseMs)) {
      return;
    }
    this.sweptAt.set(connector.id, now);
    try {
      const removed = await target.sweepTemporaries(new Date(now - this.options.leaseMs));
      if (removed.length > 0) {
        this.logger?.log(
          `archive connector ${connector.name}: removed ${removed.length} temporaries left by interrupted deliveries: ${removed.join(', ')}`,
        );
      }
    } catch (e) {
      this.logger?.warn(
        `archive connector ${connector.name}: could not sweep temporaries: ${(e as Error).message}`,
      );
    }
  }

  private async deliver(delivery: ArchiveDeliveryEntity): Promise<boolean> {
    const connector = await this.db
      .getRepository(ArchiveConnectorEntity)
      .findOneBy({ id: delivery.connectorId });
    const maxAttempts = connector?.maxAttempts ?? 1;
    try {
      if (!connector) {
        throw new Error('the connector was deleted');
      }
      const source = await this.records.read(delivery.recordId);
      // Bagging-Date is the day the record was accepted: every attempt builds the very same bag
      const bag = buildBag(source, delivery.acceptedAt);
      const retainUntil = new Date(`${source.record.retentionEndDate}T23:59:59+09:00`);
      const target = this.targetFor(connector);
      await this.sweep(connector, target);
      const result = await target.deliver(bag, {
        format: connector.format,
        idempotencyKey: delivery.idempotencyKey,
        retainUntil: Number.isNaN(retainUntil.getTime()) ? null : retainUntil,
      });
      const isSettled = await this.outbox.markDelivered(delivery, result);
      if (!isSettled) {
        this.logger?.warn(
          `archive delivery ${delivery.id}: the claim expired before it was settled`,
        );
      }
      return isSettled;
    } catch (e) {
      const failure = describeFailure(e);
      const state = await this.outbox.markFailed(
        delivery,
        failure,
        maxAttempts,
        this.options.backoff,
      );
      this.logger?.warn(
        `archive delivery ${delivery.id} (${delivery.receiptNumber}) to connector ${delivery.connectorId}: attempt ${delivery.attempts + 1} failed (${state}): ${failure.message}`,
      );
      return false;
    }
  }
}
