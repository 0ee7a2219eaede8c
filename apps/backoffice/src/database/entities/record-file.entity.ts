import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RecordEntity } from './record.entity';

/** One file of a record package; the bytes are in the blob store under blobKey. Never updated. */
@Entity('record_file')
export class RecordFileEntity {
  @PrimaryColumn({ name: 'record_id', type: 'varchar', length: 36 })
  recordId!: string;

  @ManyToOne(() => RecordEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'record_id' })
  record?: RecordEntity;

  /** path inside the package: document.json, signature.p7s, chain.pem, revocation/…, attachments/<name> */
  @PrimaryColumn({ type: 'varchar', length: 300 })
  name!: string;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ type: 'integer' })
  size!: number;

  @Column({ name: 'media_type', type: 'varchar', length: 100 })
  mediaType!: string;

  @Column({ name: 'blob_key', type: 'varchar', length: 100 })
  blobKey!: string;
}
