import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AttachmentRef } from '@madoguchi/forms';

/** A resident's unfinished application, kept server-side so a reload or a return within the TTL resumes it. */
@Entity('draft')
export class DraftEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 6, name: 'municipality_code' })
  municipalityCode!: string;

  @Column({ type: 'varchar', length: 64, name: 'form_id' })
  formId!: string;

  @Column({ type: 'integer', name: 'form_version' })
  formVersion!: number;

  /** Raw values as posted (flat keys), so nothing typed is lost, even when invalid. */
  @Column({ type: 'simple-json', name: 'raw_values' })
  rawValues!: Record<string, string | string[]>;

  @Column({ type: 'simple-json' })
  attachments!: Record<string, DraftAttachmentRef[]>;

  /** What the card face said (card-face reading), kept beside what the resident then typed. */
  @Column({ type: 'simple-json', nullable: true })
  cardface!: CardfaceDetails | null;

  /** the receipt number of the returned (差戻し) application this draft corrects */
  @Column({ type: 'varchar', length: 32, nullable: true })
  corrects!: string | null;

  /** Index of the furthest step reached. */
  @Column({ type: 'integer', name: 'max_step' })
  maxStep!: number;

  @Column({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'updated_at' })
  updatedAt!: Date;

  @Column({ name: 'expires_at' })
  expiresAt!: Date;
}

export interface DraftAttachmentRef extends AttachmentRef {
  blobKey: string;
  /** set when the draft becomes an application */
  fieldId?: string;
}

/** The basic four details read from the card-input-helper AP (never the individual number). */
export interface CardfaceDetails {
  name: string;
  address: string;
  /** YYYYMMDD */
  birthdate: string;
  sex: string;
  readAt: string;
}
