import type { StaffRole } from '../database/entities/staff-user.entity';

/** The logged-in staff member, as guards and services see them. */
export interface StaffContext {
  id: string;
  loginId: string;
  displayName: string;
  role: StaffRole;
  municipalityCode: string;
  mustChangePassword: boolean;
  /** SHA-256 of the session id, to end this session */
  sessionHash: string;
}

export function canChangeStatus(staff: StaffContext): boolean {
  return staff.role === 'admin' || staff.role === 'reviewer';
}
