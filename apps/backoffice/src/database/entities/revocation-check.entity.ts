import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { StaffUserEntity } from './staff-user.entity';

export type RevocationCheckResult = 'good' | 'revoked' | 'unknown';
export type RevocationCheckRun = 'manual' | 'scheduled';

/**
 * One 現況確認 (issue 5 §4): the signing certificate's revocation status asked again after intake. A row of its own;
 * the verdict recorded at intake (application_identity) is never changed by it.
 */
@Entity('revocation_check')
@Index('IDX_revocation_check_application', ['applicationId', 'checkedAt'])
export class RevocationCheckEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ name: 'application_id', type: 'varchar', length: 36 })
  applicationId!: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  @Column({ name: 'checked_at', type: Date })
  checkedAt!: Date;

  /** the staff member who pressed 現況確認; null for the nightly job */
  @Column({ name: 'checked_by', type: 'varchar', length: 36, nullable: true })
  checkedBy!: string | null;

  @ManyToOne(() => StaffUserEntity)
  @JoinColumn({ name: 'checked_by' })
  checkedByUser?: StaffUserEntity;

  @Column({ type: 'varchar', length: 16 })
  run!: RevocationCheckRun;

  @Column({ type: 'varchar', length: 16 })
  result!: RevocationCheckResult;

  /** which answer was used: the OCSP responder's or the CRL */
  @Column({ type: 'varchar', length: 8, nullable: true })
  source!: 'ocsp' | 'crl' | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt!: Date | null;

  /** RFC 5280 §5.3.1 CRLReason name, e.g. superseded (J-LIS: the resident moved or changed name) */
  @Column({ name: 'revocation_reason', type: 'varchar', length: 40, nullable: true })
  revocationReason!: string | null;

  /** for `unknown`: what was tried and why nothing could be used */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** the OCSP response or CRL the result rests on, base64 DER */
  @Column({ type: 'simple-json', nullable: true })
  evidence!: { ocsp: string[]; crl: string[] } | null;
}
