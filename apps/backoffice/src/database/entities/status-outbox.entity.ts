import type { ApplicationStatus } from '@madoguchi/transfer';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Transactional outbox: written with the status change, pushed to the portal by the worker. */
@Entity('status_outbox')
@Index('IDX_status_outbox_pushed', ['pushedAt', 'id'])
export class StatusOutboxEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ name: 'receipt_number', type: 'varchar', length: 64 })
  receiptNumber!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ApplicationStatus;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'changed_at', type: Date })
  changedAt!: Date;

  @Column({ name: 'pushed_at', type: Date, nullable: true })
  pushedAt!: Date | null;
}
