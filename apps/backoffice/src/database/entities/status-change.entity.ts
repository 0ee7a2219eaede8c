import type { ApplicationStatus } from '@madoguchi/transfer';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('status_change')
export class StatusChangeEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ name: 'application_id', type: 'varchar', length: 36 })
  applicationId!: string;

  @Column({ name: 'from_status', type: 'varchar', length: 16 })
  fromStatus!: ApplicationStatus;

  @Column({ name: 'to_status', type: 'varchar', length: 16 })
  toStatus!: ApplicationStatus;

  @Column({ name: 'changed_by', type: 'varchar', length: 36 })
  changedBy!: string;

  @Column({ name: 'changed_at', type: Date })
  changedAt!: Date;

  /** the message to the resident (差戻し / 却下 reasons) */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;
}
