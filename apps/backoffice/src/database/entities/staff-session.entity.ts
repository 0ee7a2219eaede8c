import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { StaffUserEntity } from './staff-user.entity';

/** The cookie carries a random 256-bit id; only its SHA-256 is stored, so a database leak opens no session. */
@Entity('staff_session')
@Index('IDX_staff_session_user', ['staffUserId'])
export class StaffSessionEntity {
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64 })
  idHash!: string;

  @Column({ name: 'staff_user_id', type: 'varchar', length: 36 })
  staffUserId!: string;

  @ManyToOne(() => StaffUserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'staff_user_id' })
  staffUser?: StaffUserEntity;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;
}
