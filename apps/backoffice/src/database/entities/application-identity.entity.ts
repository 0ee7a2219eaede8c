import type { Indication, SubIndication } from '@madoguchi/pki';
import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';

/** One difference between the certified basic four and what the form or the card face says (issue 4 §7). */
export interface IdentityDifference {
  item: 'name' | 'address' | 'birthdate' | 'sex';
  /** what the certified value was compared with */
  against: 'entered' | 'cardface';
  certified: string;
  other: string;
}

/** The basic four in one comparable shape: name 姓+U+3000+名, birthdate YYYYMMDD, sex 1/2/9. */
export interface BasicFourView {
  name?: string;
  address?: string;
  birthdate?: string;
  sex?: string;
}

export interface StoredCheck {
  check: string;
  status: 'PASSED' | 'FAILED' | 'INDETERMINATE';
  subIndication?: string | null;
  reason: string;
}

/**
 * How a picked-up application was identified: the signed bytes and the .p7s (in the blob store), the chain, the
 * revocation evidence, the back office's own verdict (the one that counts) and the portal's (kept for comparison).
 */
@Entity('application_identity')
export class ApplicationIdentityEntity {
  @PrimaryColumn({ name: 'application_id', type: 'varchar', length: 36 })
  applicationId!: string;

  @OneToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  /** card-face details as the card app read them, when the resident used card-face reading */
  @Column({ type: 'simple-json', nullable: true })
  cardface!: (BasicFourView & { readAt?: string }) | null;

  @Column({ name: 'is_signed', type: 'boolean' })
  isSigned!: boolean;

  @Column({ name: 'document_blob_key', type: 'varchar', length: 100, nullable: true })
  documentBlobKey!: string | null;

  /** SHA-256 of the stored document bytes (computed here, not taken from the portal) */
  @Column({ name: 'document_sha256', type: 'varchar', length: 64, nullable: true })
  documentSha256!: string | null;

  @Column({ name: 'cms_blob_key', type: 'varchar', length: 100, nullable: true })
  cmsBlobKey!: string | null;

  @Column({ name: 'cms_sha256', type: 'varchar', length: 64, nullable: true })
  cmsSha256!: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  indication!: Indication | null;

  @Column({ name: 'sub_indication', type: 'varchar', length: 40, nullable: true })
  subIndication!: SubIndication | null;

  /** the back office's checks, plus its own DOCUMENT_SHA256 and ANSWERS checks */
  @Column({ type: 'simple-json', nullable: true })
  checks!: StoredCheck[] | null;

  /** certificates, base64 DER, signer first */
  @Column({ type: 'simple-json', nullable: true })
  chain!: string[] | null;

  /** OCSP responses and CRLs used by the back office, then those the portal used, base64 DER */
  @Column({ type: 'simple-json', nullable: true })
  evidence!: {
    backoffice: { ocsp: string[]; crl: string[] };
    portal: { ocsp: string[]; crl: string[] };
  } | null;

  @Column({ type: 'simple-json', nullable: true })
  certified!: BasicFourView | null;

  @Column({ name: 'signing_time', type: Date, nullable: true })
  signingTime!: Date | null;

  @Column({ name: 'validated_at', type: Date, nullable: true })
  validatedAt!: Date | null;

  /** the portal's report as received: for comparison only, never trusted */
  @Column({ name: 'portal_report', type: 'simple-json', nullable: true })
  portalReport!: Record<string, unknown> | null;

  @Column({ type: 'simple-json' })
  differences!: IdentityDifference[];
}
