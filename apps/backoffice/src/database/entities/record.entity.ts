import { Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';

/** 'kept': under retention or awaiting disposal. A disposed record's row is deleted (record_disposal remains). */
export type RecordState = 'kept';

/**
 * The record of an accepted application (issue 5 §8): an immutable package of files (record_file) whose
 * SHA-256 is kept here. Written once, in the transaction that accepts the application; never updated.
 */
@Entity('record')
@Index('IDX_record_municipality_retention', ['municipalityCode', 'retentionEnd'])
export class RecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'application_id', type: 'varchar', length: 36, unique: true })
  applicationId!: string;

  @OneToOne(() => ApplicationEntity)
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  @Column({ name: 'municipality_code', type: 'varchar', length: 6 })
  municipalityCode!: string;

  @Column({ name: 'receipt_number', type: 'varchar', length: 64 })
  receiptNumber!: string;

  @Column({ name: 'form_id', type: 'varchar', length: 100 })
  formId!: string;

  @Column({ name: 'form_version', type: 'integer' })
  formVersion!: number;

  /** SHA-256 of the package manifest (libs/records packageSha256: sorted names with their SHA-256) */
  @Column({ name: 'package_sha256', type: 'varchar', length: 64 })
  packageSha256!: string;

  @Column({ name: 'retention_years', type: 'integer' })
  retentionYears!: number;

  /** last day of retention, 'YYYY-MM-DD' (a Japanese calendar date: March 31) */
  @Column({ name: 'retention_end', type: 'varchar', length: 10 })
  retentionEnd!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  /** the staff member who accepted the application */
  @Column({ name: 'created_by', type: 'varchar', length: 36 })
  createdBy!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: RecordState;
}
