import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ArchiveConnectorEntity } from './archive-connector.entity';

export type DeliveryState = 'pending' | 'delivered' | 'dead';

/**
 * The archive outbox (issue 6 §2): one row per (record, connector), inserted in the transaction that accepts the
 * record; the worker claims, delivers and settles it.
 */
@Entity('archive_delivery')
@Index('IDX_archive_delivery_due', ['state', 'nextAttemptAt'])
@Index('IDX_archive_delivery_accepted', ['municipalityCode', 'acceptedAt'])
@Index('IDX_archive_delivery_record', ['recordId'])
export class ArchiveDeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** `<record id>:<connector id>`: one delivery per pair, whatever retries and restarts happen */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 80, unique: true })
  idempotencyKey!: string;

  @Column({ name: 'record_id', type: 'varchar', length: 36 })
  recordId!: string;

  @Column({ name: 'application_id', type: 'varchar', length: 36, nullable: true })
  applicationId!: string | null;

  @Column({ name: 'connector_id', type: 'varchar', length: 36 })
  connectorId!: string;

  @ManyToOne(() => ArchiveConnectorEntity)
  @JoinColumn({ name: 'connector_id' })
  connector?: ArchiveConnectorEntity;

  @Column({ name: 'municipality_code', type: 'varchar', length: 6 })
  municipalityCode!: string;

  @Column({ name: 'receipt_number', type: 'varchar', length: 64 })
  receiptNumber!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: DeliveryState;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: Date })
  nextAttemptAt!: Date;

  @Column({ name: 'claimed_by', type: 'varchar', length: 100, nullable: true })
  claimedBy!: string | null;

  @Column({ name: 'claimed_until', type: Date, nullable: true })
  claimedUntil!: Date | null;

  /** the staff-facing reason of the last failure (Japanese) */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** what the target answered (status line and the start of the body), for the dead-letter view */
  @Column({ name: 'last_response', type: 'text', nullable: true })
  lastResponse!: string | null;

  /** where the package is (path, URL, s3://bucket/key) */
  @Column({ type: 'text', nullable: true })
  location!: string | null;

  /** SHA-256 of the delivered file (zip/tar) or of tagmanifest-sha256.txt (directory) */
  @Column({ name: 'package_sha256', type: 'varchar', length: 64, nullable: true })
  packageSha256!: string | null;

  /** when the record was accepted (the day the reconciliation report counts it); also the Bagging-Date */
  @Column({ name: 'accepted_at', type: Date })
  acceptedAt!: Date;

  @Column({ name: 'delivered_at', type: Date, nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'fixity_checked_at', type: Date, nullable: true })
  fixityCheckedAt!: Date | null;

  /** 'ok' or 'failed' after a fixity check */
  @Column({ name: 'fixity_state', type: 'varchar', length: 16, nullable: true })
  fixityState!: string | null;

  @Column({ name: 'fixity_detail', type: 'text', nullable: true })
  fixityDetail!: string | null;
}
