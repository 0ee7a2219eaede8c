import type { SecretBox } from '@madoguchi/common';
import { createHash, randomBytes } from 'node:crypto';
import { LessThan, type DataSource } from 'typeorm';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../config/backoffice.config';
import { MunicipalityEntity } from '../database/entities/municipality.entity';
import { StaffSessionEntity } from '../database/entities/staff-session.entity';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { openTotpSecret } from '../database/stored-secrets';
import { AuthError, AuthErrorCode } from './auth.error';
import type { PasswordHasher } from './password.hasher';
import { MIN_PASSWORD_LENGTH, passwordProblem, type PasswordProblem } from './password-rules';
import { staffContextOf, type StaffContext } from './staff-context';
import { verifyTotp } from './totp';
import { DEFAULT_LOGIN_RATE_LIMIT, LoginThrottle, type LoginRateLimit } from './login-throttle';

export { MIN_PASSWORD_LENGTH };
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;
/** the default absolute lifetime (BACKOFFICE_SESSION_MAX_HOURS) */
export const SESSION_TTL_MS = DEFAULT_SESSION_POLICY.absoluteLifetimeMs;
/** wrong TOTP codes allowed on one login before the password is asked again */
export const MAX_TOTP_ATTEMPTS = 3;

export type Clock = () => Date;

export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

export function passwordError(problem: PasswordProblem): AuthError {
  switch (problem) {
    case 'TOO_SHORT':
      return new AuthError(AuthErrorCode.PasswordTooShort, 'new password is too short');
    case 'CONTAINS_LOGIN_ID':
      return new AuthError(AuthErrorCode.PasswordContainsLoginId, 'password contains the login id');
    case 'TOO_COMMON':
      return new AuthError(AuthErrorCode.PasswordTooCommon, 'password is too common');
  }
}

/**
 * Staff login, sessions and password changes. Failed attempts (password or TOTP code) lock the account after
 * MAX_FAILED_LOGINS for LOCKOUT_MS; the caller only ever learns "login failed", never which part was wrong or that
 * it is locked. A session ends after the idle timeout or the absolute lifetime, whichever comes first.
 */
export class AuthService {
  /** lastSeenAt is written at most this often (a write per page view would cost more than it tells) */
  private readonly touchEveryMs: number;
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    /** opens the sealed TOTP secrets (BACKOFFICE_SECRETS_KEY) */
    private readonly secrets: SecretBox,
    private readonly now: Clock = () => new Date(),
    readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
    loginRateLimit: LoginRateLimit = DEFAULT_LOGIN_RATE_LIMIT,
  ) {
    this.touchEveryMs = Math.min(60_000, policy.idleTimeoutMs / 10);
    this.throttle = new LoginThrottle(db, loginRateLimit, now);
  }

  /**
   * `clientKey`: the client's address, for the per-client rate limit (LoginThrottle); refused before the password is
   * looked at, so a refused guess tells nothing.
   */
  async login(
    loginId: string,
    password: string,
    clientKey = 'unknown',
  ): Promise<{ sessionId: string; staff: StaffContext }> {
    const retryAfterMs = await this.throttle.take(clientKey);
    if (retryAfterMs !== undefined) {
      throw new AuthError(AuthErrorCode.TooManyAttempts, 'too many login attempts', {
        retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
      });
    }
    const session = await this.checkPassword(loginId, password);
    await this.throttle.giveBack(clientKey);
    return session;
  }

  private async checkPassword(
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
      await this.countFailure(user);
      throw new AuthError(AuthErrorCode.LoginFailed, 'login failed');
    }
    if (user.isDisabled) {
      // checked after the password, so that the answer and its timing are those of a wrong password
      throw new AuthError(AuthErrorCode.LoginFailed, 'login failed', { disabled: true });
    }
    const hasTotp = user.totpEnabledAt !== null;
    if (!hasTotp) {
      await users.update(user.id, { failedLoginCount: 0, lockedUntil: null });
    }
    await this.purgeExpiredSessions();
    const sessionId = randomBytes(32).toString('base64url');
    const idHash = hashSessionId(sessionId);
    await this.db.getRepository(StaffSessionEntity).insert({
      idHash,
      staffUserId: user.id,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.policy.absoluteLifetimeMs),
      lastSeenAt: now,
      pendingFactor: hasTotp ? 'totp' : null,
      totpFailedCount: 0,
    });
    return { sessionId, staff: await this.toContext(user, idHash, hasTotp ? 'totp' : null) };
  }

  /**
   * Second step of a login with TOTP: the code of the pending session. A wrong code counts as a failed login; after
   * MAX_TOTP_ATTEMPTS the pending session is ended and the login starts again from the password.
   */
  async verifyLoginCode(staff: StaffContext, code: string): Promise<void> {
    const users = this.db.getRepository(StaffUserEntity);
    const user = await users.findOneByOrFail({ id: staff.id });
    const now = this.now();
    const isLocked = user.lockedUntil !== null && user.lockedUntil > now;
    const secret = !isLocked && user.totpEnabledAt ? openTotpSecret(this.secrets, user) : undefined;
    const step = secret ? verifyTotp(secret, code, user.totpLastStep, now) : undefined;
    if (step === undefined) {
      const tries = await this.countTotpFailure(staff.sessionHash);
      const isLocking = isLocked || (await this.countFailure(user));
      if (isLocking || tries >= MAX_TOTP_ATTEMPTS) {
        await this.logout(staff.sessionHash);
        throw new AuthError(AuthErrorCode.TotpAttemptsExhausted, 'too many wrong codes');
      }
      throw new AuthError(AuthErrorCode.TotpCodeWrong, 'wrong TOTP code', { tries });
    }
    await this.db.transaction(async (em) => {
      // the step condition makes two concurrent logins with the same code accept it once only
      const accepted = await em
        .createQueryBuilder()
        .update(StaffUserEntity)
        .set({ totpLastStep: step, failedLoginCount: 0, lockedUntil: null })
        .where('id = :id AND (totp_last_step IS NULL OR totp_last_step < :step)', {
          id: user.id,
          step,
        })
        .execute();
      if (accepted.affected !== 1) {
        throw new AuthError(AuthErrorCode.TotpCodeWrong, 'TOTP code already used');
      }
      const completed = await em.update(
        StaffSessionEntity,
        { idHash: staff.sessionHash, pendingFactor: 'totp' },
        { pendingFactor: null },
      );
      if (completed.affected !== 1) {
        throw new AuthError(AuthErrorCode.NotLoggedIn, 'the login has ended');
      }
    });
  }

  /** The staff member of a live session, or undefined (unknown, expired, idle too long, or the account is gone). */
  async authenticate(sessionId: string): Promise<StaffContext | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) {
      return undefined;
    }
    const idHash = hashSessionId(sessionId);
    const sessions = this.db.getRepository(StaffSessionEntity);
    const session = await sessions.findOneBy({ idHash });
    const now = this.now();
    if (!session || session.expiresAt <= now) {
      return undefined;
    }
    const lastSeen = session.lastSeenAt ?? session.createdAt;
    if (now.getTime() - lastSeen.getTime() >= this.policy.idleTimeoutMs) {
      await sessions.delete({ idHash });
      return undefined;
    }
    const user = await this.db
      .getRepository(StaffUserEntity)
      .findOneBy({ id: session.staffUserId });
    if (!user || user.isDisabled) {
      return undefined;
    }
    if (now.getTime() - lastSeen.getTime() >= this.touchEveryMs) {
      await sessions.update({ idHash }, { lastSeenAt: now });
    }
    return this.toContext(user, idHash, session.pendingFactor);
  }

  async logout(sessionHash: string): Promise<void> {
    await this.db.getRepository(StaffSessionEntity).delete({ idHash: sessionHash });
  }

  async purgeExpiredSessions(): Promise<void> {
    await this.throttle.purge();
    const sessions = this.db.getRepository(StaffSessionEntity);
    await sessions.delete({ expiresAt: LessThan(this.now()) });
    const idleSince = new Date(this.now().getTime() - this.policy.idleTimeoutMs);
    await sessions.delete({ lastSeenAt: LessThan(idleSince) });
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
    const problem = passwordProblem(next, user.loginId);
    if (problem) {
      throw passwordError(problem);
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

  /**
   * One more failure; true when it locks the account. Counted in the database by one statement, so failures in
   * several processes at once all count.
   */
  private async countFailure(user: StaffUserEntity): Promise<boolean> {
    const users = this.db.getRepository(StaffUserEntity);
    await users
      .createQueryBuilder()
      .update()
      .set({ failedLoginCount: () => 'failed_login_count + 1' })
      .where('id = :id', { id: user.id })
      .execute();
    const lockedUntil = new Date(this.now().getTime() + LOCKOUT_MS);
    // whoever reaches the limit locks the account and starts the count again
    const locked = await users
      .createQueryBuilder()
      .update()
      .set({ failedLoginCount: 0, lockedUntil })
      .where('id = :id AND failed_login_count >= :max', { id: user.id, max: MAX_FAILED_LOGINS })
      .execute();
    const isLocking = locked.affected === 1;
    const after = await users.findOneByOrFail({ id: user.id });
    user.failedLoginCount = after.failedLoginCount;
    user.lockedUntil = after.lockedUntil;
    return isLocking;
  }

  /** One more wrong code on a pending login (in its session row: a restart or another process keeps it). */
  private async countTotpFailure(sessionHash: string): Promise<number> {
    const sessions = this.db.getRepository(StaffSessionEntity);
    await sessions
      .createQueryBuilder()
      .update()
      .set({ totpFailedCount: () => 'totp_failed_count + 1' })
      .where('id_hash = :sessionHash', { sessionHash })
      .execute();
    const session = await sessions.findOneBy({ idHash: sessionHash });
    return session?.totpFailedCount ?? MAX_TOTP_ATTEMPTS;
  }

  private async toContext(
    user: StaffUserEntity,
    sessionHash: string,
    pendingFactor: 'totp' | null,
  ): Promise<StaffContext> {
    const municipality = await this.db
      .getRepository(MunicipalityEntity)
      .findOneBy({ code: user.municipalityCode });
    return staffContextOf(user, sessionHash, {
      pendingFactor,
      isTotpRequired: municipality?.isTotpRequired ?? false,
    });
  }
}
