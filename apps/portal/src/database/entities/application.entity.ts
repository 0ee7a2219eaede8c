import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Answers, LocalizedText } from '@madoguchi/forms';
import type { ApplicationStatus } from '@madoguchi/transfer';
import type { CardfaceDetails, DraftAttachmentRef } from './draft.entity';

/** 'submitted' until the back office has picked the application up; then the back office's status. */
export type PortalApplicationStatus = 'submitted' | ApplicationStatus;

/**
 * A submitted application. The personal data (answers, attachments) is held only until the back office has picked
 * it up (ARCHITECTURE.md, zones); afterwards the row keeps the receipt number and the status.
 */
@Entity('application')
export class ApplicationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 32, name: 'receipt_number', unique: true })
  receiptNumber!: string;

  /** SHA-256 of the status-page secret; the secret itself is only in the resident's link. */
  @Column({ type: 'varchar', length: 64, name: 'secret_hash' })
  secretHash!: string;

  @Column({ type: 'varchar', length: 6, name: 'municipality_code' })
  municipalityCode!: string;

  @Column({ type: 'varchar', length: 64, name: 'form_id' })
  formId!: string;

  @Column({ type: 'integer', name: 'form_version' })
  formVersion!: number;

  @Column({ type: 'varchar', length: 64, name: 'form_sha256' })
  formSha256!: string;

  @Column({ type: 'simple-json', name: 'form_title' })
  formTitle!: LocalizedText;

  @Column({ type: 'simple-json', nullable: true })
  answers!: Answers | null;

  @Column({ type: 'simple-json', nullable: true })
  attachments!: DraftAttachmentRef[] | null;

  /** How the resident identified: the signed document, the CMS, the verification and what the card face said. */
  @Column({ type: 'simple-json', nullable: true })
  identity!: ApplicationIdentity | null;

  @Column({ type: 'varchar', length: 16 })
  status!: PortalApplicationStatus;

  @Column({ type: 'text', nullable: true, name: 'status_message' })
  statusMessage!: string | null;

  @Column({ type: 'integer', name: 'status_version' })
  statusVersion!: number;

  @Column({ name: 'submitted_at' })
  submittedAt!: Date;

  @Column({ name: 'picked_up_at', type: Date, nullable: true })
  pickedUpAt!: Date | null;

  @Column({ name: 'status_changed_at', type: Date, nullable: true })
  statusChangedAt!: Date | null;

  /** the receipt number of the returned (差戻し) application this one corrects */
  @Column({ type: 'varchar', length: 32, nullable: true })
  corrects!: string | null;

  /** set on a returned application when its correction is sent; it cannot be corrected twice */
  @Column({ name: 'corrected_by', type: 'varchar', length: 32, nullable: true })
  correctedBy!: string | null;

  /**
   * The answers (no files) the back office sent back with 差戻し to prefill the correction; personal data again on
   * the Internet side, so kept only while the application is returned and not corrected yet.
   */
  @Column({ name: 'correction_answers', type: 'simple-json', nullable: true })
  correctionAnswers!: Answers | null;
}

export interface ApplicationIdentity {
  cardface: CardfaceDetails | null;
  signature: {
    /** the canonical document exactly as signed (UTF-8 JSON) */
    document: string;
    documentSha256: string;
    /** detached CMS SignedData (base64 DER) */
    cms: string;
    /** the portal's verification report (the back office verifies again) */
    report: unknown;
    /** revocation evidence gathered at intake (base64 DER) */
    evidence: { ocsp?: string[]; crl?: string[] };
  } | null;
}
