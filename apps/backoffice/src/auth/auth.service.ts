import { createHash, randomBytes } from 'node:crypto';
import { LessThan, type DataSource } from 'typeorm';
import { StaffSessionEntity } from '../database/entities/staff-session.entity';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { AuthError, AuthErrorCode } from './auth.error';
import type { PasswordHasher } from './password.hasher';
import type { StaffContext } from './staff-context';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
export const MIN_PASSWORD_LENGTH = 12;

export type Clock = () => Date;

export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/**
 * Staff login, sessions and password changes. Failed attempts lock the account after MAX_FAILED_LOGINS for
 * LOCKOUT_MS; the caller only ever learns "login failed", never which part was wrong or that it is locked.
 */
export class AuthService {
  constructor(
    private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly now: Clock = () => new Date(),
  ) {}

  async login(
    loginId: string,
    password: string,
  ): Promise<{ sessionId: string; staff: StaffContext }> {
    const users = this.db.getRepository(StaffUserEntity);
    const user = await users.findOneBy({ loginId: loginId.trim() });
    if (!user) {
      await this.hasher.burn(password);
      throw new AuthError(AuthErrorCode.LoginFailed, 'login failed');
    }
    const now = this.now();
    if (user.lockedUntil && user.lockedUntil > now) {
      // no password check while locked: a correct guess must not be confirmed either
      throw new AuthError(AuthErrorCode.LoginFailed, 'login failed', { locked: true });
    }
    if (!(await this.hasher.verify(password, user.passwordHash))) {
      const failed = user.failedLoginCount + 1;
      const isLocking = failed >= MAX_FAILED_LOGINS;
      await users.update(user.id, {
        failedLoginCount: isLocking ? 0 : failed,
        lockedUntil: isLocking ? new Date(now.getTime() + LOCKOUT_MS) : user.lockedUntil,
      });
      throw new AuthError(AuthErrorCode.LoginFailed, 'login failed', { locked: isLocking });
    }
    await users.update(user.id, { failedLoginCount: 0, lockedUntil: null });
    await this.purgeExpiredSessions();
    const sessionId = randomBytes(32).toString('base64url');
    const idHash = hashSessionId(sessionId);
    await this.db.getRepository(StaffSessionEntity).insert({
      idHash,
      staffUserId: user.id,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    });
    return { sessionId, staff: toStaffContext(user, idHash) };
  }

  /** The staff member of a live session, or undefined (unknown, expired, or the account is gone). */
  async authenticate(sessionId: string): Promise<StaffContext | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) {
      return undefined;
    }
    const idHash = hashSessionId(sessionId);
    const session = await this.db.getRepository(StaffSessionEntity).findOneBy({ idHash });
    if (!session || session.expiresAt <= this.now()) {
      return undefined;
    }
    const user = await this.db
      .getRepository(StaffUserEntity)
      .findOneBy({ id: session.staffUserId });
    return user ? toStaffContext(user, idHash) : undefined;
  }

  async logout(sessionHash: string): Promise<void> {
    await this.db.getRepository(StaffSessionEntity).delete({ idHash: sessionHash });
  }

  async purgeExpiredSessions(): Promise<void> {
    await this.db.getRepository(StaffSessionEntity).delete({ expiresAt: LessThan(this.now()) });
  }

  /** Ends every other session of the user: a changed password should lock out whoever knew the old one. */
  async changePassword(
    staff: StaffContext,
    current: string,
    next: string,
    confirmation: string,
  ): Promise<void> {
    const users = this.db.getRepository(StaffUserEntity);
    const user = await users.findOneByOrFail({ id: staff.id });
    if (!(await this.hasher.verify(current, user.passwordHash))) {
      throw new AuthError(AuthErrorCode.CurrentPasswordWrong, 'current password is wrong');
    }
    if (next !== confirmation) {
      throw new AuthError(AuthErrorCode.PasswordMismatch, 'the two new passwords differ');
    }
    if ([...next].length < MIN_PASSWORD_LENGTH) {
      throw new AuthError(AuthErrorCode.PasswordTooShort, 'new password is too short');
    }
    if (next === current) {
      throw new AuthError(AuthErrorCode.PasswordUnchanged, 'new password equals the current one');
    }
    const passwordHash = await this.hasher.hash(next);
    await this.db.transaction(async (em) => {
      await em.update(StaffUserEntity, user.id, {
        passwordHash,
        mustChangePassword: false,
        passwordChangedAt: this.now(),
      });
      await em
        .createQueryBuilder()
        .delete()
        .from(StaffSessionEntity)
        .where('staff_user_id = :id AND id_hash <> :keep', { id: user.id, keep: staff.sessionHash })
        .execute();
    });
  }
}

function toStaffContext(user: StaffUserEntity, sessionHash: string): StaffContext {
  return {
    id: user.id,
    loginId: user.loginId,
    displayName: user.displayName,
    role: user.role,
    municipalityCode: user.municipalityCode,
    mustChangePassword: user.mustChangePassword,
    sessionHash,
  };
}
