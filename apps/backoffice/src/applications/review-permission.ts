import type { StaffRole } from '../database/entities/staff-user.entity';

/**
 * Who may work on an application (issue 5 §2–3): 管理者 on every application of their municipality, 審査者 on
 * the applications of the departments (担当課, the form's `department`) they are assigned to; 閲覧者 and 監査者 on
 * none. The same rule says who may be made the assignee.
 */
export interface Reviewer {
  role: StaffRole;
  /** department names (the form's `department.ja`) a reviewer is assigned to */
  departments?: readonly string[];
}

export function mayReview(staff: Reviewer, department: string | undefined): boolean {
  switch (staff.role) {
    case 'admin':
      return true;
    case 'reviewer':
      // no department list (an account from before departments existed): the whole municipality, as before
      return (
        staff.departments === undefined ||
        (department !== undefined && staff.departments.includes(department))
      );
    case 'viewer':
    case 'auditor':
      return false;
  }
}
