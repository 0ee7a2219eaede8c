import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MunicipalityEntity } from './municipality.entity';

export type StaffRole = 'admin' | 'reviewer' | 'viewer' | 'auditor';
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'reviewer', 'viewer', 'auditor'];

@Entity('staff_user')
export class StaffUserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'login_id', type: 'varchar', length: 64, unique: true })
  loginId!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ name: 'must_change_password', type: Boolean })
  mustChangePassword!: boolean;

  @Column({ type: 'varchar', length: 16 })
  role!: StaffRole;

  @Column({ name: 'municipality_code', type: 'varchar', length: 6 })
  municipalityCode!: string;

  @ManyToOne(() => MunicipalityEntity)
  @JoinColumn({ name: 'municipality_code' })
  municipality?: MunicipalityEntity;

  @Column({ name: 'failed_login_count', type: 'integer', default: 0 })
  failedLoginCount!: number;

  @Column({ name: 'locked_until', type: Date, nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'password_changed_at', type: Date })
  passwordChangedAt!: Date;
}
