import { DomainError } from '@madoguchi/common';

export enum IntakeErrorCode {
  Malformed = 'INTAKE_MALFORMED',
  AttachmentMismatch = 'INTAKE_ATTACHMENT_MISMATCH',
}

export class IntakeError extends DomainError<IntakeErrorCode> {}
