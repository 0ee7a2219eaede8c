import { STAFF_ROLES, type StaffRole } from '../database/entities/staff-user.entity';
import { canOpenDepartment, type StaffContext } from './staff-context';

describe('canOpenDepartment: which applications a staff member may open', () => {
  const staff = (role: StaffRole, departments: string[]): StaffContext => ({
    id: 's-1',
    loginId: 'someone',
    displayName: '誰か',
    role,
    municipalityCode: '990019',
    departments,
    mustChangePassword: false,
    isPlatformAdmin: false,
    pendingFactor: null,
    hasTotp: false,
    mustEnrolTotp: false,
    sessionHash: 'h',
  });
  const table: Array<[StaffRole, string[], string | undefined, boolean]> = [
    ['admin', [], '市民課', true],
    ['admin', ['税務課'], undefined, true],
    ['reviewer', ['市民課'], '市民課', true],
    ['reviewer', ['税務課', '市民課'], '市民課', true],
    ['reviewer', ['税務課'], '市民課', false],
    ['reviewer', [], '市民課', false],
    ['reviewer', ['市民課'], undefined, false],
    ['viewer', [], '市民課', true],
    ['viewer', ['税務課'], undefined, true],
    ['auditor', [], '市民課', true],
  ];

  it.each(table)('%s with departments %j on a form of %s → %s', (role, departments, dept, ok) => {
    expect(canOpenDepartment(staff(role, departments), dept)).toBe(ok);
  });

  it('covers every role', () => {
    expect(new Set(table.map(([role]) => role))).toEqual(new Set(STAFF_ROLES));
  });
});
