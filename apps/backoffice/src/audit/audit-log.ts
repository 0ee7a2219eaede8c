import { Injectable } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import type { DataSource, EntityManager } from 'typeorm';
import type { StaffContext } from '../auth/staff-context';
import {
  AuditChainHeadEntity,
  AuditLogEntity,
  AuditVerifyCheckpointEntity,
} from '../database/entities/audit-log.entity';
import { AUDIT_ACTION_PATTERN } from './audit-action';
import {
  canonicalDetail,
  GENESIS_HASH,
  hashAuditEntry,
  loadCanonicalize,
  verifyAuditChain,
  type AuditChainFields,
  type ChainVerdict,
  type StoredAuditEntry,
} from './audit-chain';

export interface AuditEntryInput {
  /** the staff member; `{ loginId }` for a login attempt of an unknown or failing account; null for the system */
  actor: StaffContext | { loginId: string } | null;
  municipalityCode: string | null;
  /** an AuditAction value (`area.what`, lower case) */
  action: string;
  targetType?: string;
  targetId?: string;
  /** JSON object; never a password, a PIN or an individual number */
  detail?: Record<string, unknown>;
}

const HEAD_ID = 1;
const VERIFY_BATCH = 1000;

type ChainedRow = AuditChainFields & { hash: string };

/**
 * SQLite: TypeORM runs every query of a DataSource on its one better-sqlite3 connection, and the caller's open
 * transaction holds that connection's turn (createDataSource), so the open transaction is the caller's. The whole
 * link is written synchronously there (no other query of this process can come in between; better-sqlite3 nests it
 * as a savepoint inside the caller's transaction), and its first statement is a write, so SQLite's write lock keeps
 * other connections (processes) out until it commits.
 */
function appendOnSqlite(
  manager: EntityManager,
  chain: (head: { seq: number; hash: string }) => ChainedRow,
): { seq: number; hash: string } {
  const sqlite = (manager.connection.driver as unknown as { databaseConnection: Database })
    .databaseConnection;
  const link = sqlite.transaction(() => {
    sqlite.prepare('UPDATE audit_chain_head SET seq = seq WHERE id = ?').run(HEAD_ID);
    const head = sqlite
      .prepare('SELECT seq, hash FROM audit_chain_head WHERE id = ?')
      .get(HEAD_ID) as { seq: number; hash: string };
    const row = chain(head);
    sqlite
      .prepare(
        `INSERT INTO audit_log (seq, occurred_at, actor_id, actor_login_id, actor_role, municipality_code,
           action, target_type, target_id, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.seq,
        row.occurredAt,
        row.actorId,
        row.actorLoginId,
        row.actorRole,
        row.municipalityCode,
        row.action,
        row.targetType,
        row.targetId,
        row.detail,
        row.prevHash,
        row.hash,
      );
    sqlite
      .prepare('UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = ?')
      .run(row.seq, row.hash, HEAD_ID);
    return { seq: row.seq, hash: row.hash };
  });
  return link.immediate();
}

/** The chain's entries after `after`, in seq order, in batches; up to `upTo` when given. */
async function* entriesOf(
  db: DataSource,
  after: number,
  upTo?: number,
): AsyncGenerator<StoredAuditEntry> {
  const repo = db.getRepository(AuditLogEntity);
  for (;;) {
    const qb = repo.createQueryBuilder('a').where('a.seq > :after', { after });
    if (upTo !== undefined) {
      qb.andWhere('a.seq <= :upTo', { upTo });
    }
    const batch = await qb.orderBy('a.seq', 'ASC').limit(VERIFY_BATCH).getMany();
    yield* batch;
    if (batch.length < VERIFY_BATCH) {
      return;
    }
    after = batch[batch.length - 1].seq;
  }
}

/** Moves the checkpoint forward only (two viewers at once: the later head wins, never an earlier one). */
async function moveCheckpoint(db: DataSource, seq: number, hash: string, now: Date): Promise<void> {
  const moved = await db
    .createQueryBuilder()
    .update(AuditVerifyCheckpointEntity)
    .set({ seq, hash, verifiedAt: now })
    .where('id = :id AND seq < :seq', { id: HEAD_ID, seq })
    .execute();
  if ((moved.affected ?? 0) > 0) {
    return;
  }
  const exists = await db.getRepository(AuditVerifyCheckpointEntity).existsBy({ id: HEAD_ID });
  if (!exists) {
    try {
      await db
        .getRepository(AuditVerifyCheckpointEntity)
        .insert({ id: HEAD_ID, seq, hash, verifiedAt: now });
    } catch {
      // another viewer inserted it a moment ago; its checkpoint is as good
    }
  }
}

function checkLength(name: string, value: string | null, max: number): void {
  if (value !== null && value.length > max) {
    throw new Error(`audit ${name} longer than ${max} characters`);
  }
}

/**
 * The tamper-evident audit log (issue 5 §7). `append` writes one entry inside the caller's transaction (or its
 * own), as the next link of a single SHA-256 hash chain. PostgreSQL: the chain head row is locked FOR UPDATE until
 * the caller's transaction ends, so concurrent writers (any number of processes) queue there; append last in a
 * transaction to hold that lock briefly. SQLite: see appendOnSqlite.
 */
@Injectable()
export class AuditLog {
  async append(
    manager: EntityManager,
    entry: AuditEntryInput,
  ): Promise<{ seq: number; hash: string }> {
    // everything that can fail without the database first: a bad entry must not take the chain's turn
    const canonicalize = await loadCanonicalize();
    if (!AUDIT_ACTION_PATTERN.test(entry.action) || entry.action.length > 64) {
      throw new Error(`audit action ${JSON.stringify(entry.action)} is not 'area.what'`);
    }
    const actor = entry.actor;
    const fields: Omit<AuditChainFields, 'seq' | 'prevHash' | 'occurredAt'> = {
      actorId: actor && 'id' in actor ? actor.id : null,
      actorLoginId: actor ? actor.loginId.slice(0, 64) : null,
      actorRole: actor && 'role' in actor ? actor.role : null,
      municipalityCode: entry.municipalityCode,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      detail: canonicalDetail(canonicalize, JSON.parse(JSON.stringify(entry.detail ?? {}))),
    };
    checkLength('municipality code', fields.municipalityCode, 6);
    checkLength('target type', fields.targetType, 32);
    checkLength('target id', fields.targetId, 100);

    const chain = (head: { seq: number; hash: string }) => {
      const chained: AuditChainFields = {
        ...fields,
        seq: head.seq + 1,
        prevHash: head.hash,
        occurredAt: new Date().toISOString(),
      };
      return { ...chained, hash: hashAuditEntry(canonicalize, chained) };
    };
    if (manager.connection.options.type !== 'postgres') {
      // outside a transaction, take the connection's turn first (createDataSource): the synchronous writes must not
      // land in another flow's open transaction, to be rolled back with it
      return manager.queryRunner?.isTransactionActive
        ? appendOnSqlite(manager, chain)
        : manager.transaction((em) => Promise.resolve(appendOnSqlite(em, chain)));
    }
    const write = async (em: EntityManager) => {
      const head = await em
        .createQueryBuilder(AuditChainHeadEntity, 'h')
        .setLock('pessimistic_write')
        .where('h.id = :id', { id: HEAD_ID })
        .getOneOrFail();
      const row = chain(head);
      await em.insert(AuditLogEntity, row);
      await em.update(AuditChainHeadEntity, { id: HEAD_ID }, { seq: row.seq, hash: row.hash });
      return { seq: row.seq, hash: row.hash };
    };
    return manager.queryRunner?.isTransactionActive ? write(manager) : manager.transaction(write);
  }

  /** Walks the whole chain (in batches, by seq) and reports the first broken entry, or the count and head. */
  async verify(db: DataSource): Promise<ChainVerdict> {
    const canonicalize = await loadCanonicalize();
    const head = await db.getRepository(AuditChainHeadEntity).findOneByOrFail({ id: HEAD_ID });
    return verifyAuditChain(entriesOf(db, 0), head, canonicalize);
  }

  /**
   * The viewer's verification: from the verified checkpoint on (the entries up to it were found intact from the
   * start by an earlier view), up to the head as it was when the walk began (entries appended meanwhile wait for
   * the next view). The checkpoint entry itself is re-hashed, and it must still carry the checkpoint's hash. An
   * intact walk moves the checkpoint to the head. Changes before the checkpoint are `npm run audit:verify`'s to
   * find: it walks the whole chain.
   */
  async verifySinceCheckpoint(
    db: DataSource,
    now = new Date(),
  ): Promise<ChainVerdict & { verifiedFromSeq: number }> {
    const canonicalize = await loadCanonicalize();
    const head = await db.getRepository(AuditChainHeadEntity).findOneByOrFail({ id: HEAD_ID });
    const checkpoint = await db
      .getRepository(AuditVerifyCheckpointEntity)
      .findOneBy({ id: HEAD_ID });
    let start = { seq: 0, hash: GENESIS_HASH };
    if (checkpoint && checkpoint.seq > 0) {
      const entry = await db.getRepository(AuditLogEntity).findOneBy({ seq: checkpoint.seq });
      let problem: string | undefined;
      if (!entry) {
        problem = `the verified entry seq ${checkpoint.seq} is missing (deleted)`;
      } else if (entry.hash !== checkpoint.hash) {
        problem = `stored hash ${entry.hash} differs from the hash verified earlier ${checkpoint.hash} (the entry was changed)`;
      } else if (hashAuditEntry(canonicalize, entry) !== entry.hash) {
        problem = `stored hash ${entry.hash} differs from the hash of the stored fields (the entry was changed)`;
      }
      if (problem) {
        return {
          isIntact: false,
          count: checkpoint.seq - 1,
          seq: checkpoint.seq,
          problem,
          verifiedFromSeq: checkpoint.seq,
        };
      }
      start = { seq: checkpoint.seq, hash: checkpoint.hash };
    }
    const verdict = await verifyAuditChain(
      entriesOf(db, start.seq, head.seq),
      head,
      canonicalize,
      start,
    );
    if (verdict.isIntact && verdict.headSeq > start.seq) {
      await moveCheckpoint(db, verdict.headSeq, verdict.headHash, now);
    }
    return { ...verdict, verifiedFromSeq: start.seq + 1 };
  }
}
