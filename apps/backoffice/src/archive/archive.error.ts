import { DomainError } from '@madoguchi/common';

export enum ArchiveErrorCode {
  /** a receipt number or file name that would leave the bag or the target folder */
  UnsafeName = 'ARCHIVE_UNSAFE_NAME',
  /** a record file whose bytes do not match the SHA-256 or size kept for it */
  PayloadMismatch = 'ARCHIVE_PAYLOAD_MISMATCH',
  /** the target already holds a different package under that name (never overwritten) */
  TargetExists = 'ARCHIVE_TARGET_EXISTS',
  /** the package read back from the target is not what was sent */
  ReadBackMismatch = 'ARCHIVE_READ_BACK_MISMATCH',
  /** the target refused the request for good (4xx, access denied, missing bucket): retrying will not help */
  Rejected = 'ARCHIVE_REJECTED',
  /** the target could not be reached or failed (time-out, 5xx, connection closed): retried with back-off */
  Unavailable = 'ARCHIVE_UNAVAILABLE',
  /** the connector's settings are incomplete or invalid */
  BadSettings = 'ARCHIVE_BAD_SETTINGS',
  ConnectorNotFound = 'ARCHIVE_CONNECTOR_NOT_FOUND',
  DeliveryNotFound = 'ARCHIVE_DELIVERY_NOT_FOUND',
}

export class ArchiveError extends DomainError<ArchiveErrorCode> {
  /** whether a later attempt may succeed (the worker backs off and retries) */
  get isRetryable(): boolean {
    return (
      this.code === ArchiveErrorCode.Unavailable || this.code === ArchiveErrorCode.ReadBackMismatch
    );
  }
}
