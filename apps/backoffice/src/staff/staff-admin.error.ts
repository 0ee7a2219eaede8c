import { DomainError } from '@madoguchi/common';

export enum StaffAdminErrorCode {
  /** no such account in the admin's municipality (another municipality's account answers the same) */
  NotFound = 'STAFF_NOT_FOUND',
  /** the role may not use the staff or platform pages */
  NotPermitted = 'STAFF_NOT_PERMITTED',
  LoginIdInvalid = 'LOGIN_ID_INVALID',
  LoginIdTaken = 'LOGIN_ID_TAKEN',
  DisplayNameInvalid = 'DISPLAY_NAME_INVALID',
  RoleInvalid = 'ROLE_INVALID',
  DepartmentUnknown = 'DEPARTMENT_UNKNOWN',
  /** the change would leave the municipality without an active 管理者 */
  LastAdmin = 'LAST_ADMIN',
  CannotDisableSelf = 'CANNOT_DISABLE_SELF',
  MunicipalityCodeInvalid = 'MUNICIPALITY_CODE_INVALID',
  MunicipalityExists = 'MUNICIPALITY_EXISTS',
  MunicipalityNameInvalid = 'MUNICIPALITY_NAME_INVALID',
}

export class StaffAdminError extends DomainError<StaffAdminErrorCode> {}
