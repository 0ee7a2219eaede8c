import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The cookie carries a random 256-bit id; only its SHA-256 is stored, so a database leak opens no session. */
@Entity('staff_session')
export class StaffSessionEntity {
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64 })
  idHash!: string;

  @Column({ name: 'staff_user_id', type: 'varchar', length: 36 })
  staffUserId!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;
}
