import { mayReview } from '../applications/review-permission';
import type { StaffRole, StaffUserEntity } from '../database/entities/staff-user.entity';

/** The logged-in staff member, as guards and services see them. */
export interface StaffContext {
  id: string;
  loginId: string;
  displayName: string;
  role: StaffRole;
  municipalityCode: string;
  /** 担当課 (the `department.ja` of forms); limits what a reviewer may open and act on */
  departments: string[];
  mustChangePassword: boolean;
  /** may add municipalities and their first 管理者 (/platform) */
  isPlatformAdmin: boolean;
  /** 'totp': the password was right, the TOTP code is still to come (only /login/totp opens) */
  pendingFactor: 'totp' | null;
  hasTotp: boolean;
  /** the municipality requires TOTP and this account has none yet: only the enrolment page opens */
  mustEnrolTotp: boolean;
  /** SHA-256 of the session id, to end this session */
  sessionHash: string;
}

/** The context of an account's session (tests build one straight from an account). */
export function staffContextOf(
  user: StaffUserEntity,
  sessionHash: string,
  session: { pendingFactor: 'totp' | null; isTotpRequired: boolean } = {
    pendingFactor: null,
    isTotpRequired: false,
  },
): StaffContext {
  const hasTotp = user.totpEnabledAt !== null;
  return {
    id: user.id,
    loginId: user.loginId,
    displayName: user.displayName,
    role: user.role,
    municipalityCode: user.municipalityCode,
    departments: user.departments,
    mustChangePassword: user.mustChangePassword,
    isPlatformAdmin: user.isPlatformAdmin,
    pendingFactor: session.pendingFactor,
    hasTotp,
    mustEnrolTotp: !hasTotp && session.isTotpRequired,
    sessionHash,
  };
}

export function canChangeStatus(staff: StaffContext): boolean {
  return staff.role === 'admin' || staff.role === 'reviewer';
}

/**
 * Whether the staff member may open an application of a form of this department (undefined: the form is no longer
 * in the catalog): a 審査者 only those of their 担当課. Which roles reach application pages at all is the role
 * matrix's business (@Roles, web/roles.ts); what each may do there, mayReview's.
 */
export function canOpenDepartment(staff: StaffContext, department: string | undefined): boolean {
  // the 担当課 rule is mayReview's: a reviewer opens what they may review
  return staff.role !== 'reviewer' || mayReview(staff, department);
}
