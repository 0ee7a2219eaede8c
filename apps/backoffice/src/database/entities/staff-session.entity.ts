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

  /** absolute end of the session */
  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  /** for the idle timeout; null on sessions opened before it existed (createdAt counts then) */
  @Column({ name: 'last_seen_at', type: Date, nullable: true })
  lastSeenAt!: Date | null;

  /** 'totp': the password was right, the second factor is still to come; nothing else opens */
  @Column({ name: 'pending_factor', type: 'varchar', length: 16, nullable: true })
  pendingFactor!: 'totp' | null;

  /** wrong TOTP codes on this pending login (kept here, so a restart or another process does not reset it) */
  @Column({ name: 'totp_failed_count', type: 'integer', default: 0 })
  totpFailedCount!: number;
}
