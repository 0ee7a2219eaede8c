import type { TransferClient, TransferStatusUpdate } from '@madoguchi/transfer';
import type { Answers } from '@madoguchi/forms';
import { In, IsNull, type DataSource } from 'typeorm';
import { ApplicationEntity } from '../database/entities/application.entity';
import { StatusOutboxEntity } from '../database/entities/status-outbox.entity';
import type { ApplicationIntakeService } from './application-intake.service';

export const PULL_BATCH = 20;
export const PUSH_BATCH = 100;

export interface WorkerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface CycleResult {
  stored: number;
  duplicates: number;
  failed: number;
  pushed: number;
}

/**
 * The back office's side of the zone boundary (ARCHITECTURE.md, zones): on an interval it pulls submitted
 * applications, stores each and only then acknowledges it, and pushes unpushed status changes from the outbox.
 * Every step may be repeated after a crash: storing is idempotent, and the portal keeps the highest status version.
 */
export class PullWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private isStopping = false;
  private isPortalDown = false;
  /** applications already reported as unstorable: said once, retried quietly */
  private readonly reported = new Set<string>();

  constructor(
    private readonly client: TransferClient,
    private readonly intake: ApplicationIntakeService,
    private readonly db: DataSource,
    private readonly intervalMs: number,
    private readonly logger: WorkerLogger,
  ) {}

  start(): void {
    this.isStopping = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.isStopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pull-and-push cycle; also called directly by tests. */
  async runOnce(): Promise<CycleResult> {
    const result: CycleResult = { stored: 0, duplicates: 0, failed: 0, pushed: 0 };
    try {
      await this.pull(result);
      result.pushed = await this.push();
      if (this.isPortalDown) {
        this.isPortalDown = false;
        this.logger.log('portal reachable again');
      }
    } catch (e) {
      // once per outage, not once per interval
      if (!this.isPortalDown) {
        this.isPortalDown = true;
        this.logger.warn(
          `transfer failed, retrying every ${this.intervalMs} ms: ${(e as Error).message}`,
        );
      }
    }
    return result;
  }

  private async pull(result: CycleResult): Promise<void> {
    for (;;) {
      const { applications } = await this.client.fetchApplications(PULL_BATCH);
      for (const application of applications) {
        try {
          const outcome = await this.intake.store(application);
          result[outcome === 'stored' ? 'stored' : 'duplicates'] += 1;
          await this.client.acknowledge(application.id);
        } catch (e) {
          if (isTransferError(e)) {
            throw e;
          }
          // not acknowledged: the portal keeps it and it is tried again next cycle
          result.failed += 1;
          this.logger.error(
            `could not store application ${application.id}: ${(e as Error).message}`,
          );
        }
      }
      const isFullBatch = applications.length === PULL_BATCH;
      if (!isFullBatch || result.failed > 0 || this.isStopping) {
        return;
      }
    }
  }

  private async push(): Promise<number> {
    const outbox = this.db.getRepository(StatusOutboxEntity);
    let pushed = 0;
    for (;;) {
      const rows = await outbox.find({
        where: { pushedAt: IsNull() },
        order: { id: 'ASC' },
        take: PUSH_BATCH,
      });
      if (rows.length === 0) {
        return pushed;
      }
      const returned = rows.filter((r) => r.status === 'returned').map((r) => r.receiptNumber);
      const answersOf = new Map(
        returned.length === 0
          ? []
          : (
              await this.db.getRepository(ApplicationEntity).find({
                select: { receiptNumber: true, answers: true },
                where: { receiptNumber: In(returned) },
              })
            ).map((a) => [a.receiptNumber, withoutFiles(a.answers)]),
      );
      const updates: TransferStatusUpdate[] = rows.map((r) => {
        const answers = r.status === 'returned' ? answersOf.get(r.receiptNumber) : undefined;
        return {
          receiptNumber: r.receiptNumber,
          status: r.status,
          ...(r.message ? { message: r.message } : {}),
          version: r.version,
          changedAt: r.changedAt.toISOString(),
          ...(answers ? { correction: { answers } } : {}),
        };
      });
      await this.client.pushStatus(updates);
      await outbox.update(
        rows.map((r) => r.id),
        { pushedAt: new Date() },
      );
      pushed += rows.length;
      if (rows.length < PUSH_BATCH || this.isStopping) {
        return pushed;
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.isStopping) {
      return;
    }
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.intervalMs);
      });
    }, delayMs);
  }
}

function isTransferError(e: unknown): boolean {
  return e instanceof Error && e.name === 'TransferClientError';
}

/** The answers a correction starts from: attachments stay in the LGWAN zone (the resident attaches them again). */
export function withoutFiles(answers: Answers): Answers {
  const isFiles = (v: unknown) =>
    Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null);
  return Object.fromEntries(Object.entries(answers).filter(([, v]) => !isFiles(v)));
}
