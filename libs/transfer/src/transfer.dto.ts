import type { Answers, LocalizedText } from '@madoguchi/forms';

/** Application status, shared by both zones. 受付 → 審査中 → 完了 / 却下 / 差戻し. */
export type ApplicationStatus = 'received' | 'in_review' | 'completed' | 'rejected' | 'returned';
export const APPLICATION_STATUSES: readonly ApplicationStatus[] = [
  'received',
  'in_review',
  'completed',
  'rejected',
  'returned',
];

export const STATUS_LABELS: Record<ApplicationStatus, LocalizedText> = {
  received: { ja: '受付', en: 'Received' },
  in_review: { ja: '審査中', en: 'In review' },
  completed: { ja: '完了', en: 'Completed' },
  rejected: { ja: '却下', en: 'Rejected' },
  returned: { ja: '差戻し', en: 'Returned for correction' },
};

/** Which transitions staff may make (issue 2 §8; the full workflow with roles is a later issue). */
export const STATUS_TRANSITIONS: Record<ApplicationStatus, readonly ApplicationStatus[]> = {
  received: ['in_review', 'rejected'],
  in_review: ['completed', 'rejected', 'returned'],
  returned: ['in_review'],
  completed: [],
  rejected: [],
};

export interface TransferAttachment {
  id: string;
  fieldId: string;
  name: string;
  type: string;
  size: number;
  sha256: string;
  contentBase64: string;
}

/** One submitted application as the portal hands it to the back office (GET /transfer/v1/applications). */
export interface TransferApplication {
  id: string;
  receiptNumber: string;
  municipalityCode: string;
  formId: string;
  formVersion: number;
  formSha256: string;
  formTitle: LocalizedText;
  answers: Answers;
  attachments: TransferAttachment[];
  submittedAt: string;
  /** How the resident identified (card-face reading, JPKI signature); absent for forms without identity. */
  identity?: TransferIdentity | null;
  /**
   * The receipt number of the returned (差戻し) application this one corrects. The portal sets it only when the
   * correction was started from that application's status page, i.e. by the holder of its secret.
   */
  corrects?: string | null;
}

/** Card-face details as the card app read them (the individual number is never among them). */
export interface TransferCardface {
  name: string;
  address: string;
  /** YYYYMMDD */
  birthdate: string;
  sex: string;
  readAt: string;
}

export interface TransferSignature {
  /** the canonical document (RFC 8785 JSON, UTF-8) exactly as signed */
  document: string;
  documentSha256: string;
  /** detached CMS SignedData, base64 DER */
  cms: string;
  /** the portal's verification report: kept for comparison, never trusted by the back office */
  report: unknown;
  /** revocation evidence the portal used, base64 DER */
  evidence: { ocsp?: string[]; crl?: string[] };
}

export interface TransferIdentity {
  cardface: TransferCardface | null;
  signature: TransferSignature | null;
}

export interface TransferApplicationsResponse {
  applications: TransferApplication[];
}

/** POST /transfer/v1/status: status changes pushed from the back office. `version` only grows per application. */
export interface TransferStatusUpdate {
  receiptNumber: string;
  status: ApplicationStatus;
  /** message to the resident (差戻し / 却下 reasons), Japanese */
  message?: string;
  version: number;
  changedAt: string;
  /**
   * With 差戻し only: the answers of the returned application (files left out), so that the resident's correction
   * starts prefilled. The portal keeps them only until the correction is sent or the status moves on.
   */
  correction?: { answers: Answers };
}

export interface TransferStatusRequest {
  updates: TransferStatusUpdate[];
}

export const TRANSFER_PATHS = {
  applications: '/transfer/v1/applications',
  ack: (id: string) => `/transfer/v1/applications/${encodeURIComponent(id)}/ack`,
  status: '/transfer/v1/status',
} as const;
