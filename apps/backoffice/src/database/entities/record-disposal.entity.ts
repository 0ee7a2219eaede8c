import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The disposal register (廃棄簿): what a disposed record was, its package SHA-256, when and who approved. The
 * record's rows and the application's personal data are deleted in the same transaction; the files (record package,
 * attachments, signed bytes) right after: blobKeys until filesDeletedAt is set, so a crash in between is finished by
 * the next disposal run.
 */
@Entity('record_disposal')
@Index('IDX_record_disposal_municipality', ['municipalityCode', 'disposedAt'])
export class RecordDisposalEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'record_id', type: 'varchar', length: 36, unique: true })
  recordId!: string;

  @Column({ name: 'application_id', type: 'varchar', length: 36 })
  applicationId!: string;

  @Column({ name: 'municipality_code', type: 'varchar', length: 6 })
  municipalityCode!: string;

  @Column({ name: 'receipt_number', type: 'varchar', length: 64 })
  receiptNumber!: string;

  @Column({ name: 'form_id', type: 'varchar', length: 100 })
  formId!: string;

  @Column({ name: 'form_version', type: 'integer' })
  formVersion!: number;

  @Column({ name: 'package_sha256', type: 'varchar', length: 64 })
  packageSha256!: string;

  @Column({ name: 'retention_end', type: 'varchar', length: 10 })
  retentionEnd!: string;

  /** the form's 担当課 when the application was stored */
  @Column({ type: 'varchar', length: 200, nullable: true })
  department?: string | null;

  /** when the back office picked the application up (受付) */
  @Column({ name: 'received_at', type: Date, nullable: true })
  receivedAt?: Date | null;

  /** when the record was made: the day the application was accepted (完了) */
  @Column({ name: 'record_created_at', type: Date })
  recordCreatedAt!: Date;

  @Column({ name: 'file_count', type: 'integer' })
  fileCount!: number;

  @Column({ name: 'disposed_at', type: Date })
  disposedAt!: Date;

  @Column({ name: 'approved_by', type: 'varchar', length: 36 })
  approvedBy!: string;

  @Column({ name: 'approved_by_name', type: 'varchar', length: 200 })
  approvedByName!: string;

  /** blob keys still to delete; emptied when filesDeletedAt is set */
  @Column({ name: 'blob_keys', type: 'simple-json' })
  blobKeys!: string[];

  @Column({ name: 'files_deleted_at', type: Date, nullable: true })
  filesDeletedAt!: Date | null;
}
