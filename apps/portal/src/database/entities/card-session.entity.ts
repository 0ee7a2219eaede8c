import { Column, Entity, PrimaryColumn } from 'typeorm';

export type CardSessionKind = 'cardface' | 'sign';
export type CardSessionStatus = 'open' | 'completed' | 'failed';
export type CardFailureReason =
  | 'PIN_BLOCKED'
  | 'WRONG_PIN'
  | 'CARD_REMOVED'
  | 'CARD_UNREADABLE'
  | 'CANCELLED'
  | 'SIGNATURE_INVALID'
  | 'CERTIFICATE_REVOKED'
  | 'CERTIFICATE_INVALID'
  | 'REVOCATION_UNAVAILABLE';

/**
 * A card-read or signing session (issue 4 §3): the PC page knows it by `id`; the card app by a 128-bit random token,
 * of which only the hash is stored. Valid 10 minutes; over once completed or failed.
 */
@Entity('card_session')
export class CardSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id!: string;

  @Column({ type: 'varchar', length: 64, name: 'token_hash', unique: true })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: CardSessionKind;

  @Column({ type: 'varchar', length: 64, name: 'draft_id' })
  draftId!: string;

  @Column({ type: 'varchar', length: 6, name: 'municipality_code' })
  municipalityCode!: string;

  @Column({ type: 'varchar', length: 64, name: 'form_id' })
  formId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: CardSessionStatus;

  @Column({ type: 'varchar', length: 32, name: 'failure_reason', nullable: true })
  failureReason!: CardFailureReason | null;

  /** sign: the frozen canonical document (RFC 8785 JSON), stored exactly as it will be signed */
  @Column({ type: 'text', name: 'document', nullable: true })
  document!: string | null;

  @Column({ type: 'varchar', length: 64, name: 'document_sha256', nullable: true })
  documentSha256!: string | null;

  /** sign, phase 1: the DER of the signed attributes the portal built and keeps (base64) */
  @Column({ type: 'text', name: 'signed_attributes', nullable: true })
  signedAttributes!: string | null;

  /** sign, phase 1: the signing certificate the card app read (base64 DER) */
  @Column({ type: 'text', name: 'certificate', nullable: true })
  certificate!: string | null;

  /** sign, completed: where the PC page goes next (status link of the new application) */
  @Column({ type: 'varchar', length: 128, name: 'result_path', nullable: true })
  resultPath!: string | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'expires_at' })
  expiresAt!: Date;

  @Column({ name: 'completed_at', type: Date, nullable: true })
  completedAt!: Date | null;
}
