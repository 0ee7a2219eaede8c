import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';

/** Metadata only: the bytes are in the blob store under blobKey. */
@Entity('attachment')
@Index('IDX_attachment_application', ['applicationId'])
export class AttachmentEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'application_id', type: 'varchar', length: 36 })
  applicationId!: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  /** the attachment id inside the answers (AttachmentRef.id) */
  @Column({ name: 'portal_attachment_id', type: 'varchar', length: 64 })
  portalAttachmentId!: string;

  @Column({ name: 'field_id', type: 'varchar', length: 100 })
  fieldId!: string;

  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName!: string;

  @Column({ name: 'media_type', type: 'varchar', length: 100 })
  mediaType!: string;

  @Column({ type: 'integer' })
  size!: number;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ name: 'blob_key', type: 'varchar', length: 100 })
  blobKey!: string;
}
