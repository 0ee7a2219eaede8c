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

  /** 担当課: the `department.ja` of the forms whose applications a reviewer may open and act on */
  @Column({ type: 'simple-json', default: '[]' })
  departments!: string[];

  @Column({ name: 'failed_login_count', type: 'integer', default: 0 })
  failedLoginCount!: number;

  @Column({ name: 'locked_until', type: Date, nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'password_changed_at', type: Date })
  passwordChangedAt!: Date;

  /** adds municipalities and their first 管理者 (/platform); the account's own pages stay in its municipality */
  @Column({ name: 'is_platform_admin', type: Boolean, default: false })
  isPlatformAdmin!: boolean;

  /** a disabled account cannot log in; its sessions were ended when it was disabled */
  @Column({ name: 'is_disabled', type: Boolean, default: false })
  isDisabled!: boolean;

  /**
   * RFC 6238 shared secret (base32), sealed with BACKOFFICE_SECRETS_KEY (database/stored-secrets.ts); set at
   * enrolment, in use once totpEnabledAt is set
   */
  @Column({ name: 'totp_secret', type: 'varchar', length: 255, nullable: true })
  totpSecret!: string | null;

  @Column({ name: 'totp_enabled_at', type: Date, nullable: true })
  totpEnabledAt!: Date | null;

  /** the last time step accepted: a code of that step or an earlier one is refused (replay) */
  @Column({ name: 'totp_last_step', type: 'integer', nullable: true })
  totpLastStep!: number | null;
}
