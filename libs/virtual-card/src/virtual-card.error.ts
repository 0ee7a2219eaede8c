import { DomainError } from '@madoguchi/common';

export enum VirtualCardErrorCode {
  InvalidParameters = 'INVALID_PARAMETERS',
  InvalidStateFile = 'INVALID_STATE_FILE',
  StateFileWriteFailed = 'STATE_FILE_WRITE_FAILED',
}

export class VirtualCardError extends DomainError<VirtualCardErrorCode> {}
