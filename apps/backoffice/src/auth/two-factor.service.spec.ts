import { SecretBox } from '@madoguchi/common';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { StaffSessionEntity } from '../database/entities/staff-session.entity';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { StaffService } from '../staff/staff.service';
import { AuthErrorCode } from './auth.error';
import { AuthService, MAX_TOTP_ATTEMPTS } from './auth.service';
import { PasswordHasher } from './password.hasher';
import { TwoFactorService } from './two-factor.service';
import { AuditLog } from '../audit/audit-log';

/** Debian's oathtool computes the codes: an RFC 6238 implementation independent of otplib. */
function oathtool(secret: string, at: Date): string {
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', at.toISOString()], {
    encoding: 'utf8',
  }).trim();
}

describe('TOTP enrolment and login (SQLite, real migrations, codes from oathtool)', () => {
  const hasher = new PasswordHasher({ N: 2 ** 12, r: 8, p: 1 });
  let db: DataSource;
  let now: Date;
  let auth: AuthService;
  let sut: TwoFactorService;
  let secrets: SecretBox;

  beforeEach(async () => {
    db = await openBackofficeDatabase('sqlite::memory:');
    now = new Date('2026-04-01T09:00:00Z');
    secrets = new SecretBox(randomBytes(32));
    auth = new AuthService(db, hasher, secrets, () => now);
    sut = new TwoFactorService(db, new AuditLog(), secrets, () => now);
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

  const user = () => db.getRepository(StaffUserEntity).findOneByOrFail({ loginId: 'sato' });

  async function enrol(): Promise<string> {
    const { staff } = await auth.login('sato', 'right password 1');
    const { secret, uri } = await sut.begin(staff, '窓口 まどぐち市');
    expect(uri).toContain(`secret=${secret}`);
    // a reload shows the same secret (an app that already scanned it keeps working)
    await expect(sut.begin(staff, '窓口 まどぐち市')).resolves.toMatchObject({ secret });
    await expect(sut.confirm(staff, '000000')).rejects.toMatchObject({
      code: AuthErrorCode.TotpCodeWrong,
    });
    expect((await user()).totpEnabledAt).toBeNull();
    await sut.confirm(staff, oathtool(secret, now));
    expect((await user()).totpEnabledAt).toEqual(now);
    // kept sealed: the column holds neither the secret nor anything that is base32 of it
    expect((await user()).totpSecret).toMatch(/^v1:/);
    expect((await user()).totpSecret).not.toContain(secret);
    await expect(sut.begin(staff, 'x')).rejects.toMatchObject({
      code: AuthErrorCode.TotpAlreadyEnabled,
    });
    return secret;
  }

  it('enrols only after a right code, then asks for a code after the password', async () => {
    const secret = await enrol();
    now = new Date(now.getTime() + 60_000);
    const { sessionId, staff } = await auth.login('sato', 'right password 1');
    expect(staff.pendingFactor).toBe('totp');
    await expect(auth.authenticate(sessionId)).resolves.toMatchObject({ pendingFactor: 'totp' });
    await auth.verifyLoginCode(staff, oathtool(secret, now));
    await expect(auth.authenticate(sessionId)).resolves.toMatchObject({
      pendingFactor: null,
      hasTotp: true,
    });
  });

  it('refuses the same code twice (replay), even on another login in the same step', async () => {
    const secret = await enrol();
    // the enrolment code's step is used up too
    const first = await auth.login('sato', 'right password 1');
    await expect(auth.verifyLoginCode(first.staff, oathtool(secret, now))).rejects.toMatchObject({
      code: AuthErrorCode.TotpCodeWrong,
    });
    now = new Date(now.getTime() + 30_000);
    const code = oathtool(secret, now);
    await auth.verifyLoginCode(first.staff, code);
    const second = await auth.login('sato', 'right password 1');
    await expect(auth.verifyLoginCode(second.staff, code)).rejects.toMatchObject({
      code: AuthErrorCode.TotpCodeWrong,
    });
    await expect(auth.authenticate(second.sessionId)).resolves.toMatchObject({
      pendingFactor: 'totp',
    });
  });

  it(`ends the pending login after ${MAX_TOTP_ATTEMPTS} wrong codes, and counts them toward the lockout`, async () => {
    const secret = await enrol();
    now = new Date(now.getTime() + 60_000);
    const { sessionId, staff } = await auth.login('sato', 'right password 1');
    const wrong = String((Number(oathtool(secret, now)) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 1; i < MAX_TOTP_ATTEMPTS; i++) {
      await expect(auth.verifyLoginCode(staff, wrong)).rejects.toMatchObject({
        code: AuthErrorCode.TotpCodeWrong,
      });
    }
    // the count is in the session row: a restarted (or another) process continues it
    const restarted = new AuthService(db, hasher, secrets, () => now);
    await expect(restarted.verifyLoginCode(staff, wrong)).rejects.toMatchObject({
      code: AuthErrorCode.TotpAttemptsExhausted,
    });
    await expect(auth.authenticate(sessionId)).resolves.toBeUndefined();
    expect((await user()).failedLoginCount).toBe(MAX_TOTP_ATTEMPTS);
    await expect(
      db.getRepository(StaffSessionEntity).countBy({ pendingFactor: 'totp' }),
    ).resolves.toBe(0);
    // the right code of the ended login opens nothing
    await expect(auth.verifyLoginCode(staff, oathtool(secret, now))).rejects.toMatchObject({
      code: AuthErrorCode.NotLoggedIn,
    });
    await expect(auth.authenticate(sessionId)).resolves.toBeUndefined();
  });

  it('flags an account without TOTP in a municipality that requires it', async () => {
    await db.query("update municipality set is_totp_required = ? where code = '990019'", [true]);
    const { staff } = await auth.login('sato', 'right password 1');
    expect(staff).toMatchObject({ mustEnrolTotp: true, pendingFactor: null });
    const { secret } = await sut.begin(staff, 'x');
    await sut.confirm(staff, oathtool(secret, now));
    now = new Date(now.getTime() + 30_000);
    const again = await auth.login('sato', 'right password 1');
    expect(again.staff).toMatchObject({ mustEnrolTotp: false, pendingFactor: 'totp' });
  });

  it('refuses the codes of a secret moved to another account (bound to its row)', async () => {
    const satoSecret = await enrol();
    const other = await new StaffService(db, hasher).createUser({
      loginId: 'suzuki',
      displayName: '鈴木',
      password: 'right password 2',
      role: 'reviewer',
      municipalityCode: '990019',
      mustChangePassword: false,
    });
    // someone with database access copies sato's sealed secret (whose codes they know) to suzuki
    const sato = await user();
    await db
      .getRepository(StaffUserEntity)
      .update(other.id, { totpSecret: sato.totpSecret, totpEnabledAt: now });
    now = new Date(now.getTime() + 60_000);
    const { staff } = await auth.login('suzuki', 'right password 2');
    expect(staff.pendingFactor).toBe('totp');
    await expect(auth.verifyLoginCode(staff, oathtool(satoSecret, now))).rejects.toMatchObject({
      code: AuthErrorCode.TotpCodeWrong,
    });
  });
});
