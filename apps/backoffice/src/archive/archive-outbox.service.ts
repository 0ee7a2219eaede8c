import { randomUUID } from 'node:crypto';
import { Brackets, In, type DataSource, type EntityManager } from 'typeorm';
import { ArchiveConnectorEntity } from '../database/entities/archive-connector.entity';
import { ArchiveDeliveryEntity } from '../database/entities/archive-delivery.entity';
import { ArchiveError, ArchiveErrorCode } from './archive.error';
import { toDeliveryRows } from './to-archive-view.mapper';

/** What the outbox needs of a record that has just been created (h-records' hook hands it over). */
export interface AcceptedRecord {
  id: string;
  applicationId?: string | null;
  municipalityCode: string;
  formId: string;
  receiptNumber: string;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 6 * 3600_000 };

/**
 * Exponential back-off with jitter: the n-th failure waits base·2^(n-1) (capped), then a random point in its
 * upper half, so that many entries failing together do not come back together.
 */
export function backoffDelay(
  attempts: number,
  policy: BackoffPolicy,
  random = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function idempotencyKey(recordId: string, connectorId: string): string {
  return `${recordId}:${connectorId}`;
}

/** The archive outbox: rows written with the record, claimed by workers, settled after each attempt. */
export class ArchiveOutboxService {
  constructor(private readonly db: DataSource) {}

  /**
   * Inside the transaction that creates the record: one delivery per enabled connector of its municipality that
   * takes this form. Called twice for the same record, it adds nothing (idempotency key per record and connector).
   */
  async enqueue(
    manager: EntityManager,
    record: AcceptedRecord,
    acceptedAt = new Date(),
  ): Promise<ArchiveDeliveryEntity[]> {
    const connectors = (
      await manager.getRepository(ArchiveConnectorEntity).findBy({
        municipalityCode: record.municipalityCode,
        isEnabled: true,
      })
    ).filter((c) => c.formIds.length === 0 || c.formIds.includes(record.formId));
    if (connectors.length === 0) {
      return [];
    }
    const keys = connectors.map((c) => idempotencyKey(record.id, c.id));
    const existing = new Set(
      (await manager.getRepository(ArchiveDeliveryEntity).findBy({ idempotencyKey: In(keys) })).map(
        (d) => d.idempotencyKey,
      ),
    );
    const rows = connectors
      .filter((c) => !existing.has(idempotencyKey(record.id, c.id)))
      .map((c): ArchiveDeliveryEntity => ({
        id: randomUUID(),
        idempotencyKey: idempotencyKey(record.id, c.id),
        recordId: record.id,
        applicationId: record.applicationId ?? null,
        connectorId: c.id,
        municipalityCode: record.municipalityCode,
        receiptNumber: record.receiptNumber,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: acceptedAt,
        claimedBy: null,
        claimedUntil: null,
        lastError: null,
        lastResponse: null,
        location: null,
        packageSha256: null,
        acceptedAt,
        deliveredAt: null,
        fixityCheckedAt: null,
        fixityState: null,
        fixityDetail: null,
      }));
    if (rows.length > 0) {
      await manager.insert(ArchiveDeliveryEntity, rows);
    }
    return rows;
  }

  /**
   * Claims up to `limit` due entries for one worker until `now + leaseMs`. Several back-office processes may call
   * this at once: PostgreSQL skips rows another transaction holds (FOR UPDATE SKIP LOCKED); on both engines the
   * claim itself is a conditional UPDATE whose affected-row count says whether this worker won the row.
   */
  async claim(
    workerId: string,
    limit: number,
    leaseMs: number,
    now = new Date(),
  ): Promise<ArchiveDeliveryEntity[]> {
    const claimedBy = `${workerId}:${randomUUID().slice(0, 8)}`;
    const until = new Date(now.getTime() + leaseMs);
    const isFree = new Brackets((b) =>
      b.where('claimed_until IS NULL').orWhere('claimed_until < :now', { now }),
    );
    const candidates = (em: EntityManager, isLocking: boolean) => {
      const query = em
        .getRepository(ArchiveDeliveryEntity)
        .createQueryBuilder('d')
        .select('d.id', 'id')
        .where('d.state = :pending', { pending: 'pending' })
        .andWhere('d.next_attempt_at <= :now', { now })
        .andWhere(
          new Brackets((b) =>
            b.where('d.claimed_until IS NULL').orWhere('d.claimed_until < :now', { now }),
          ),
        )
        .orderBy('d.next_attempt_at', 'ASC')
        .limit(limit);
      return (
        isLocking ? query.setLock('pessimistic_write').setOnLocked('skip_locked') : query
      ).getRawMany<{ id: string }>();
    };
    const take = async (em: EntityManager, ids: string[]) => {
      const won: string[] = [];
      for (const id of ids) {
        const result = await em
          .createQueryBuilder()
          .update(ArchiveDeliveryEntity)
          .set({ claimedBy, claimedUntil: until })
          .where('id = :id AND state = :pending', { id, pending: 'pending' })
          .andWhere(isFree)
          .execute();
        if (result.affected === 1) {
          won.push(id);
        }
      }
      return won;
    };
    let ids: string[];
    if (this.db.options.type === 'postgres') {
      // rows another worker is claiming right now are skipped, not waited for
      ids = await this.db.transaction(async (em) =>
        take(
          em,
          (await candidates(em, true)).map((r) => r.id),
        ),
      );
    } else {
      // SQLite: no transaction around read-then-write (a deferred transaction that upgrades to a writer fails
      // with SQLITE_BUSY under contention); each conditional UPDATE is atomic on its own
      ids = await take(
        this.db.manager,
        (await candidates(this.db.manager, false)).map((r) => r.id),
      );
    }
    if (ids.length === 0) {
      return [];
    }
    return this.db.getRepository(ArchiveDeliveryEntity).findBy({ id: In(ids), claimedBy });
  }

  /** A successful delivery; only the worker that holds the claim settles it. */
  async markDelivered(
    delivery: ArchiveDeliveryEntity,
    result: { location: string; packageSha256: string; note?: string },
    now = new Date(),
  ): Promise<boolean> {
    const update = await this.db
      .createQueryBuilder()
      .update(ArchiveDeliveryEntity)
      .set({
        state: 'delivered',
        attempts: delivery.attempts + 1,
        deliveredAt: now,
        location: result.location,
        packageSha256: result.packageSha256,
        lastError: result.note ?? null,
        lastResponse: null,
        claimedBy: null,
        claimedUntil: null,
      })
      .where('id = :id AND claimed_by = :claimedBy', {
        id: delivery.id,
        claimedBy: delivery.claimedBy,
      })
      .execute();
    return update.affected === 1;
  }

  /** A failed attempt: back off and retry, or dead letter when it cannot succeed or has used its attempts. */
  async markFailed(
    delivery: ArchiveDeliveryEntity,
    failure: { message: string; response: string | null; isRetryable: boolean },
    maxAttempts: number,
    backoff: BackoffPolicy,
    now = new Date(),
  ): Promise<'pending' | 'dead'> {
    const attempts = delivery.attempts + 1;
    const state = failure.isRetryable && attempts < maxAttempts ? 'pending' : 'dead';
    await this.db
      .createQueryBuilder()
      .update(ArchiveDeliveryEntity)
      .set({
        state,
        attempts,
        nextAttemptAt: new Date(
          now.getTime() + (state === 'pending' ? backoffDelay(attempts, backoff) : 0),
        ),
        lastError: failure.message,
        lastResponse: failure.response,
        claimedBy: null,
        claimedUntil: null,
      })
      .where('id = :id AND claimed_by = :claimedBy', {
        id: delivery.id,
        claimedBy: delivery.claimedBy,
      })
      .execute();
    return state;
  }

  /** 「再送」: a dead-letter entry goes back to the queue, due now, with its attempts counted afresh. */
  async retry(municipalityCode: string, deliveryId: string, now = new Date()): Promise<void> {
    const result = await this.db
      .createQueryBuilder()
      .update(ArchiveDeliveryEntity)
      .set({
        state: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        claimedBy: null,
        claimedUntil: null,
      })
      .where('id = :id AND municipality_code = :code AND state = :dead', {
        id: deliveryId,
        code: municipalityCode,
        dead: 'dead',
      })
      .execute();
    if (result.affected !== 1) {
      throw new ArchiveError(
        ArchiveErrorCode.DeliveryNotFound,
        'no dead-letter entry with that id',
      );
    }
  }

  forRecord(
    municipalityCode: string,
    query: { recordId?: string; applicationId?: string },
  ): Promise<ArchiveDeliveryEntity[]> {
    return this.db.getRepository(ArchiveDeliveryEntity).find({
      where: { municipalityCode, ...query },
      order: { acceptedAt: 'ASC', id: 'ASC' },
    });
  }

  /** The detail page's delivery lines of an application (one per connector), scoped to the municipality. */
  async deliveryRows(municipalityCode: string, applicationId: string) {
    const deliveries = await this.forRecord(municipalityCode, { applicationId });
    if (deliveries.length === 0) {
      return [];
    }
    const connectors = await this.db
      .getRepository(ArchiveConnectorEntity)
      .findBy({ id: In([...new Set(deliveries.map((d) => d.connectorId))]) });
    return toDeliveryRows(deliveries, connectors);
  }

  deadLetters(municipalityCode: string, limit = 200): Promise<ArchiveDeliveryEntity[]> {
    return this.db.getRepository(ArchiveDeliveryEntity).find({
      where: { municipalityCode, state: 'dead' },
      order: { nextAttemptAt: 'DESC' },
      take: limit,
    });
  }
}
