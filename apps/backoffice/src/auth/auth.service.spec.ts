import { SecretBox } from '@madoguchi/common';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { StaffService } from '../staff/staff.service';
import { AuthErrorCode } from './auth.error';
import { DEFAULT_SESSION_POLICY } from '../config/backoffice.config';
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
    sut = new AuthService(db, hasher, new SecretBox(randomBytes(32)), () => now);
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
    const start = now.getTime();
    // active all day (a request every 20 minutes, within the idle timeout): the absolute lifetime still ends it
    for (let t = 20 * 60_000; t < SESSION_TTL_MS; t += 20 * 60_000) {
      now = new Date(start + t);
      await expect(sut.authenticate(sessionId)).resolves.toBeDefined();
    }
    now = new Date(start + SESSION_TTL_MS - 1000);
    await expect(sut.authenticate(sessionId)).resolves.toBeDefined();
    now = new Date(start + SESSION_TTL_MS);
    await expect(sut.authenticate(sessionId)).resolves.toBeUndefined();

    now = new Date(start);
    const other = await sut.login('sato', 'right password 1');
    await sut.logout(other.staff.sessionHash);
    await expect(sut.authenticate(other.sessionId)).resolves.toBeUndefined();
    expect(staff.sessionHash).not.toBe(other.staff.sessionHash);
  });

  it('ends a session left idle for the idle timeout, and counts from the last request', async () => {
    const idle = DEFAULT_SESSION_POLICY.idleTimeoutMs;
    const { sessionId } = await sut.login('sato', 'right password 1');
    const start = now.getTime();
    now = new Date(start + idle - 1000);
    await expect(sut.authenticate(sessionId)).resolves.toBeDefined();
    // the request just made moves the idle deadline
    now = new Date(start + idle + 60_000);
    await expect(sut.authenticate(sessionId)).resolves.toBeDefined();
    now = new Date(now.getTime() + idle);
    await expect(sut.authenticate(sessionId)).resolves.toBeUndefined();
    await expect(db.query('select count(*) as n from staff_session')).resolves.toEqual([{ n: 0 }]);
  });

  it('uses the configured lifetimes', async () => {
    const short = new AuthService(db, hasher, new SecretBox(randomBytes(32)), () => now, {
      idleTimeoutMs: 5 * 60_000,
      absoluteLifetimeMs: 60 * 60_000,
    });
    const { sessionId } = await short.login('sato', 'right password 1');
    now = new Date(now.getTime() + 5 * 60_000);
    await expect(short.authenticate(sessionId)).resolves.toBeUndefined();
  });

  it('refuses a disabled account with the generic answer, even with the right password', async () => {
    const { sessionId } = await sut.login('sato', 'right password 1');
    await db.getRepository(StaffUserEntity).update({ loginId: 'sato' }, { isDisabled: true });
    await expect(sut.login('sato', 'right password 1')).rejects.toEqual(failedLogin);
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
    await expect(change('right password 1', 'sato_sato_12')).rejects.toMatchObject({
      code: AuthErrorCode.PasswordContainsLoginId,
    });
    await expect(change('right password 1', 'password1234')).rejects.toMatchObject({
      code: AuthErrorCode.PasswordTooCommon,
    });
    await change('right password 1', 'a new long password');
    await expect(sut.authenticate(first.sessionId)).resolves.toBeDefined();
    await expect(sut.authenticate(other.sessionId)).resolves.toBeUndefined();
    await expect(sut.login('sato', 'right password 1')).rejects.toEqual(failedLogin);
    await expect(sut.login('sato', 'a new long password')).resolves.toHaveProperty('sessionId');
  });

  describe('per-client rate limit of login attempts (in the database)', () => {
    const limit = { maxAttempts: 3, windowMs: 10 * 60_000 };
    const tooMany = expect.objectContaining({ code: AuthErrorCode.TooManyAttempts });
    const limited = () =>
      new AuthService(db, hasher, new SecretBox(randomBytes(32)), () => now, undefined, limit);

    it('refuses the attempt after the limit, even with the right password, until the window ends', async () => {
      const sut = limited();
      for (let i = 0; i < limit.maxAttempts; i++) {
        await expect(sut.login('nobody', 'x', '192.0.2.1')).rejects.toEqual(failedLogin);
      }
      await expect(sut.login('sato', 'right password 1', '192.0.2.1')).rejects.toEqual(tooMany);
      // another address is not affected; a second process (another instance) sees the same count
      await expect(sut.login('sato', 'right password 1', '192.0.2.2')).resolves.toBeDefined();
      await expect(limited().login('sato', 'right password 1', '192.0.2.1')).rejects.toEqual(
        expect.objectContaining({
          code: AuthErrorCode.TooManyAttempts,
          details: { retryAfterSeconds: 600 },
        }),
      );
      now = new Date(now.getTime() + limit.windowMs);
      await expect(sut.login('sato', 'right password 1', '192.0.2.1')).resolves.toBeDefined();
    });

    it('does not count successful logins (staff behind one proxy address)', async () => {
      const sut = limited();
      for (let i = 0; i < limit.maxAttempts * 3; i++) {
        await sut.login('sato', 'right password 1', '192.0.2.9');
      }
      await expect(sut.login('nobody', 'x', '192.0.2.9')).rejects.toEqual(failedLogin);
    });

    it('counts parallel attempts each (no lost update)', async () => {
      const sut = limited();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => sut.login('nobody', 'x', '192.0.2.3')),
      );
      const refused = results.filter(
        (r) =>
          r.status === 'rejected' &&
          (r.reason as { code?: string }).code === AuthErrorCode.TooManyAttempts,
      );
      expect(refused).toHaveLength(8 - limit.maxAttempts);
    });
  });

  it('keeps the failure count in the database: another instance (a restart) continues it', async () => {
    for (let i = 0; i < MAX_FAILED_LOGINS - 1; i++) {
      await expect(sut.login('sato', `wrong ${i}`)).rejects.toEqual(failedLogin);
    }
    const restarted = new AuthService(db, hasher, new SecretBox(randomBytes(32)), () => now);
    await expect(restarted.login('sato', 'wrong again')).rejects.toEqual(failedLogin);
    await expect(restarted.login('sato', 'right password 1')).rejects.toEqual(failedLogin);
    const user = await db.getRepository(StaffUserEntity).findOneByOrFail({ loginId: 'sato' });
    expect(user.lockedUntil).toEqual(new Date(now.getTime() + LOCKOUT_MS));
  });
});
