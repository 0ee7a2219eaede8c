import type { Answers } from '@madoguchi/forms';
import type { ApplicationStatus } from '@madoguchi/transfer';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('application')
@Index('IDX_application_municipality_status', ['municipalityCode', 'status'])
@Index('IDX_application_municipality_submitted', ['municipalityCode', 'submittedAt'])
@Index('IDX_application_list_received', ['municipalityCode', 'receivedAt', 'id'])
@Index('IDX_application_list_status', ['municipalityCode', 'status', 'receivedAt', 'id'])
@Index('IDX_application_list_form', ['municipalityCode', 'formId', 'receivedAt', 'id'])
@Index('IDX_application_list_department', ['municipalityCode', 'department', 'receivedAt', 'id'])
@Index('IDX_application_list_assignee', [
  'municipalityCode',
  'assigneeId',
  'status',
  'receivedAt',
  'id',
])
@Index('IDX_application_search_name', [
  'municipalityCode',
  'searchName',
  'status',
  'receivedAt',
  'id',
])
@Index('IDX_application_search_kana', [
  'municipalityCode',
  'searchKana',
  'status',
  'receivedAt',
  'id',
])
export class ApplicationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** the portal's id; UNIQUE, so a repeated pickup inserts nothing */
  @Column({ name: 'portal_id', type: 'varchar', length: 64, unique: true })
  portalId!: string;

  @Column({ name: 'receipt_number', type: 'varchar', length: 64, unique: true })
  receiptNumber!: string;

  @Column({ name: 'municipality_code', type: 'varchar', length: 6 })
  municipalityCode!: string;

  @Column({ name: 'form_id', type: 'varchar', length: 100 })
  formId!: string;

  @Column({ name: 'form_version', type: 'integer' })
  formVersion!: number;

  @Column({ name: 'form_sha256', type: 'varchar', length: 64 })
  formSha256!: string;

  @Column({ name: 'title_ja', type: 'varchar', length: 300 })
  titleJa!: string;

  @Column({ name: 'title_en', type: 'varchar', length: 300, nullable: true })
  titleEn!: string | null;

  @Column({ type: 'simple-json' })
  answers!: Answers;

  @Column({ type: 'varchar', length: 16 })
  status!: ApplicationStatus;

  /** grows with every status change; pushed to the portal, which keeps the highest */
  @Column({ name: 'status_version', type: 'integer' })
  statusVersion!: number;

  @Column({ name: 'submitted_at', type: Date })
  submittedAt!: Date;

  @Column({ name: 'received_at', type: Date })
  receivedAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;

  /** the staff member in charge (a reviewer of the form's department, or an admin); null while unassigned */
  @Column({ name: 'assignee_id', type: 'varchar', length: 36, nullable: true })
  assigneeId!: string | null;

  /** the receipt number of the returned (差戻し) application this one corrects */
  @Column({ name: 'corrects_receipt_number', type: 'varchar', length: 64, nullable: true })
  correctsReceiptNumber!: string | null;

  /** set on a returned application once the resident's correction has arrived */
  @Column({ name: 'corrected_by_receipt_number', type: 'varchar', length: 64, nullable: true })
  correctedByReceiptNumber!: string | null;

  /** the form's 担当課 (`department.ja` of the form definition) when it was stored; null: form not in the catalog */
  @Column({ type: 'varchar', length: 200, nullable: true })
  department!: string | null;

  /** the applicant's name as written (姓 名), for lists; '' when the form has no name field */
  @Column({ name: 'applicant_name', type: 'varchar', length: 200, nullable: true })
  applicantName!: string | null;

  /** foldName(姓名) and foldName(セイメイ) (search/applicant-name.ts); NULL until filled (intake, boot backfill) */
  @Column({ name: 'search_name', type: 'varchar', length: 200, nullable: true })
  searchName!: string | null;

  @Column({ name: 'search_kana', type: 'varchar', length: 200, nullable: true })
  searchKana!: string | null;

  /** set when the record was disposed of (廃棄): the row is then a tombstone, its answers and names emptied */
  @Column({ name: 'disposed_at', type: Date, nullable: true })
  disposedAt?: Date | null;
}
