import type { DataSource } from 'typeorm';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { StaffService } from '../staff/staff.service';
import { AuthErrorCode } from './auth.error';
import { AuthService, LOCKOUT_MS, MAX_FAILED_LOGINS, SESSION_TTL_MS } from './auth.service';
import { PasswordHasher } from './password.hasher';

describe('AuthService (SQLite, real migrations)', () => {
  const hasher = new PasswordHasher({ N: 2 ** 12, r: 8, p: 1 });
  let db: DataSource;
  let now: Date;
  let sut: AuthService;

  beforeEach(async () => {
    db = await openBackofficeDatabase('sqlite::memory:');
    now = new Date('2026-04-01T09:00:00Z');
    sut = new AuthService(db, hasher, () => now);
    const staff = new StaffService(db, hasher);
    await staff.ensureMunicipalities([{ code: '990019', name: { ja: 'まどぐち市（デモ）' } }]);
    await staff.createUser({
      loginId: 'sato',
      displayName: '佐藤',
      password: 'right password 1',
      role: 'reviewer',
      municipalityCode: '990019',
      mustChangePassword: false,
    });
  });

  afterEach(async () => {
    await db.destroy();
  });

  const failedLogin = expect.objectContaining({ code: AuthErrorCode.LoginFailed });

  it('opens a session for the right password, stored only as a hash', async () => {
    const { sessionId, staff } = await sut.login('sato', 'right password 1');
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await db.query('select id_hash from staff_session');
    expect(JSON.stringify(rows)).not.toContain(sessionId);
    await expect(sut.authenticate(sessionId)).resolves.toMatchObject({
      loginId: 'sato',
      municipalityCode: '990019',
      sessionHash: staff.sessionHash,
    });
  });

  it('answers the same for an unknown login id and a wrong password', async () => {
    await expect(sut.login('nobody', 'right password 1')).rejects.toEqual(failedLogin);
    await expect(sut.login('sato', 'wrong')).rejects.toEqual(failedLogin);
  });

  it(`locks the account after ${MAX_FAILED_LOGINS} failures, even against the right password, for 15 minutes`, async () => {
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      await expect(sut.login('sato', `wrong ${i}`)).rejects.toEqual(failedLogin);
    }
    const user = await db.getRepository(StaffUserEntity).findOneByOrFail({ loginId: 'sato' });
    expect(user.lockedUntil?.getTime()).toBe(now.getTime() + LOCKOUT_MS);
    await expect(sut.login('sato', 'right password 1')).rejects.toEqual(failedLogin);

    now = new Date(now.getTime() + LOCKOUT_MS - 1000);
    await expect(sut.login('sato', 'right password 1')).rejects.toEqual(failedLogin);
    now = new Date(now.getTime() + 2000);
    await expect(sut.login('sato', 'right password 1')).resolves.toHaveProperty('sessionId');
  });

  it('forgets earlier failures after a successful login', async () => {
    for (let i = 0; i < MAX_FAILED_LOGINS - 1; i++) {
      await expect(sut.login('sato', 'wrong')).rejects.toEqual(failedLogin);
    }
    await sut.login('sato', 'right password 1');
    await expect(sut.login('sato', 'wrong')).rejects.toEqual(failedLogin);
    await expect(sut.login('sato', 'right password 1')).resolves.toHaveProperty('sessionId');
  });

  it('refuses unknown, malformed, expired and logged-out sessions', async () => {
    await expect(sut.authenticate('x'.repeat(43))).resolves.toBeUndefined();
    await expect(sut.authenticate('not a session id')).resolves.toBeUndefined();
    const { sessionId, staff } = await sut.login('sato', 'right password 1');
    now = new Date(now.getTime() + SESSION_TTL_MS);
    await expect(sut.authenticate(sessionId)).resolves.toBeUndefined();
    now = new Date(now.getTime() - 1000);
    await expect(sut.authenticate(sessionId)).resolves.toBeDefined();
    await sut.logout(staff.sessionHash);
    await expect(sut.authenticate(sessionId)).resolves.toBeUndefined();
  });

  it('changes the password, checks the rules and ends the other sessions', async () => {
    const first = await sut.login('sato', 'right password 1');
    const other = await sut.login('sato', 'right password 1');
    const change = (current: string, next: string, again = next) =>
      sut.changePassword(first.staff, current, next, again);
    await expect(change('wrong', 'a new long password')).rejects.toMatchObject({
      code: AuthErrorCode.CurrentPasswordWrong,
    });
    await expect(change('right password 1', 'short')).rejects.toMatchObject({
      code: AuthErrorCode.PasswordTooShort,
    });
    await expect(
      change('right password 1', 'a new long password', 'another'),
    ).rejects.toMatchObject({
      code: AuthErrorCode.PasswordMismatch,
    });
    await expect(change('right password 1', 'right password 1')).rejects.toMatchObject({
      code: AuthErrorCode.PasswordUnchanged,
    });
    await change('right password 1', 'a new long password');
    await expect(sut.authenticate(first.sessionId)).resolves.toBeDefined();
    await expect(sut.authenticate(other.sessionId)).resolves.toBeUndefined();
    await expect(sut.login('sato', 'right password 1')).rejects.toEqual(failedLogin);
    await expect(sut.login('sato', 'a new long password')).resolves.toHaveProperty('sessionId');
  });
});
