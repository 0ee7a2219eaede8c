import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One entry of the tamper-evident audit log (issue 5 §7): append-only (database triggers refuse UPDATE and DELETE),
 * chained by `prevHash` → `hash` in `seq` order. Written only by AuditLog.append.
 */
@Entity('audit_log')
@Index('IDX_audit_log_municipality_seq', ['municipalityCode', 'seq'])
@Index('IDX_audit_log_occurred', ['occurredAt'])
export class AuditLogEntity {
  /** 1, 2, 3, … without gaps: a missing number is a deleted entry */
  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  /** ISO 8601 UTC with milliseconds, stored as text so the hashed form is the same on every engine and time zone */
  @Column({ name: 'occurred_at', type: 'varchar', length: 24 })
  occurredAt!: string;

  @Column({ name: 'actor_id', type: 'varchar', length: 36, nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_login_id', type: 'varchar', length: 64, nullable: true })
  actorLoginId!: string | null;

  @Column({ name: 'actor_role', type: 'varchar', length: 16, nullable: true })
  actorRole!: string | null;

  @Column({ name: 'municipality_code', type: 'varchar', length: 6, nullable: true })
  municipalityCode!: string | null;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'target_type', type: 'varchar', length: 32, nullable: true })
  targetType!: string | null;

  @Column({ name: 'target_id', type: 'varchar', length: 100, nullable: true })
  targetId!: string | null;

  /** RFC 8785 JSON of the entry's details (an object) */
  @Column({ type: 'text' })
  detail!: string;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash!: string;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;
}

/** The single row (id 1) naming the last entry: locked by every append on PostgreSQL; shows a deleted tail. */
@Entity('audit_chain_head')
export class AuditChainHeadEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;
}

/**
 * The single row (id 1) naming the last entry the audit viewer found intact from the start of the chain: the viewer
 * verifies only the entries after it (`npm run audit:verify` still walks the whole chain).
 */
@Entity('audit_verify_checkpoint')
export class AuditVerifyCheckpointEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;

  @Column({ name: 'verified_at', type: Date })
  verifiedAt!: Date;
}
