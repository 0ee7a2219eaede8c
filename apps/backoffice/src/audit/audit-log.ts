import { Injectable } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import type { DataSource, EntityManager } from 'typeorm';
import type { StaffContext } from '../auth/staff-context';
import { AuditChainHeadEntity, AuditLogEntity } from '../database/entities/audit-log.entity';
import { AUDIT_ACTION_PATTERN } from './audit-action';
import {
  canonicalDetail,
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
 * SQLite: TypeORM runs every query of a DataSource on its one better-sqlite3 connection, so the caller's open
 * transaction is that connection's. The whole link is written synchronously there (no other query of this process
 * can come in between; better-sqlite3 nests it as a savepoint inside the caller's transaction), and its first
 * statement is a write, so SQLite's write lock keeps other connections (processes) out until it commits.
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
      return appendOnSqlite(manager, chain);
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
    const repo = db.getRepository(AuditLogEntity);
    async function* entries(): AsyncGenerator<StoredAuditEntry> {
      let after = 0;
      for (;;) {
        const batch = await repo
          .createQueryBuilder('a')
          .where('a.seq > :after', { after })
          .orderBy('a.seq', 'ASC')
          .limit(VERIFY_BATCH)
          .getMany();
        yield* batch;
        if (batch.length < VERIFY_BATCH) {
          return;
        }
        after = batch[batch.length - 1].seq;
      }
    }
    return verifyAuditChain(entries(), head, canonicalize);
  }
}
