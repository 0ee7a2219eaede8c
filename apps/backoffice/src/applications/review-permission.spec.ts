import { STAFF_ROLES, type StaffRole } from '../database/entities/staff-user.entity';
import { mayReview } from './review-permission';

describe('mayReview: who may change status, assign and comment', () => {
  const table: Array<[StaffRole, readonly string[] | undefined, string | undefined, boolean]> = [
    ['admin', undefined, '市民課', true],
    ['admin', [], '市民課', true],
    ['admin', ['税務課'], undefined, true],
    ['reviewer', ['市民課'], '市民課', true],
    ['reviewer', ['税務課', '市民課'], '市民課', true],
    ['reviewer', ['税務課'], '市民課', false],
    ['reviewer', [], '市民課', false],
    ['reviewer', ['市民課'], undefined, false],
    ['reviewer', undefined, '市民課', true],
    ['viewer', ['市民課'], '市民課', false],
    ['viewer', undefined, '市民課', false],
    ['auditor', ['市民課'], '市民課', false],
    ['auditor', undefined, '市民課', false],
  ];

  it.each(table)('%s with departments %j on a form of %s → %s', (role, departments, dept, ok) => {
    expect(mayReview({ role, departments }, dept)).toBe(ok);
  });

  it('covers every role', () => {
    expect(new Set(table.map(([role]) => role))).toEqual(new Set(STAFF_ROLES));
  });
});
