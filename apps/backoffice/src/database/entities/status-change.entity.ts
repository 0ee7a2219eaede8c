import type { ApplicationStatus } from '@madoguchi/transfer';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { StaffUserEntity } from './staff-user.entity';

@Entity('status_change')
@Index('IDX_status_change_application', ['applicationId'])
export class StatusChangeEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ name: 'application_id', type: 'varchar', length: 36 })
  applicationId!: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  @Column({ name: 'from_status', type: 'varchar', length: 16 })
  fromStatus!: ApplicationStatus;

  @Column({ name: 'to_status', type: 'varchar', length: 16 })
  toStatus!: ApplicationStatus;

  @Column({ name: 'changed_by', type: 'varchar', length: 36 })
  changedBy!: string;

  @ManyToOne(() => StaffUserEntity)
  @JoinColumn({ name: 'changed_by' })
  changedByUser?: StaffUserEntity;

  @Column({ name: 'changed_at', type: Date })
  changedAt!: Date;

  /** the message to the resident (差戻し / 却下 reasons) */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;
}
