/**
 * The audit log's action names (issue 5 §7): `<area>.<what happened>`, lower case. Add new ones here so the
 * viewer's filter lists them; AuditLog.append accepts any name of this shape.
 */
export const AuditAction = {
  LoginSucceeded: 'login.succeeded',
  LoginFailed: 'login.failed',
  Logout: 'logout.succeeded',
  PasswordChanged: 'password.changed',
  ApplicationViewed: 'application.viewed',
  ApplicationListed: 'application.listed',
  AttachmentDownloaded: 'attachment.downloaded',
  SignedDocumentDownloaded: 'document.downloaded',
  SignatureDownloaded: 'signature.downloaded',
  RecordFileDownloaded: 'record.file_downloaded',
  ApplicationStatusChanged: 'application.status_changed',
  ApplicationAssigned: 'application.assigned',
  ApplicationCommented: 'application.commented',
  /** 現況確認: the signing certificate's revocation asked again */
  RevocationChecked: 'application.revocation_checked',
  /** one nightly (or `npm run backoffice:recheck`) 現況確認 run: counts, newly revoked, errors */
  RevocationRecheckRun: 'revocation.recheck_run',
  ApplicationReceived: 'application.received',
  ExportCsv: 'export.csv',
  StaffCreated: 'staff.created',
  StaffUpdated: 'staff.updated',
  StaffDeleted: 'staff.deleted',
  StaffDisabled: 'staff.disabled',
  StaffEnabled: 'staff.enabled',
  StaffPasswordReset: 'staff.password_reset',
  StaffTotpReset: 'staff.totp_reset',
  TotpEnrolled: 'totp.enrolled',
  MunicipalitySettingsChanged: 'municipality.settings_changed',
  MunicipalityCreated: 'municipality.created',
  ConnectorChanged: 'connector.changed',
  ArchiveFixityFailed: 'archive.fixity_failed',
  RecordCreated: 'record.created',
  RecordDisposalApproved: 'record.disposal_approved',
  RecordDisposed: 'record.disposed',
  AuditViewed: 'audit.viewed',
  AuditVerified: 'audit.verified',
} as const;

export type AuditActionName = (typeof AuditAction)[keyof typeof AuditAction];

export const AUDIT_ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
