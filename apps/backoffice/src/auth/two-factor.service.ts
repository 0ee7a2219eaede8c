import type { SecretBox } from '@madoguchi/common';
import type { DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import type { AuditLog } from '../audit/audit-log';
import { StaffSessionEntity } from '../database/entities/staff-session.entity';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { openTotpSecret, totpSecretContext } from '../database/stored-secrets';
import { AuthError, AuthErrorCode } from './auth.error';
import type { StaffContext } from './staff-context';
import { newTotpSecret, totpUri, verifyTotp } from './totp';

/**
 * TOTP enrolment of the logged-in staff member (issue 5 §9): a secret is drawn and kept unconfirmed, shown as an
 * otpauth:// QR code and as text, and switched on only once a code computed from it is entered.
 */
export class TwoFactorService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditLog,
    /** the secret is stored sealed (BACKOFFICE_SECRETS_KEY), bound to its staff member */
    private readonly secrets: SecretBox,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The secret to enrol (the same one again on a reload, so a code from an already scanned QR still works). */
  async begin(staff: StaffContext, issuer: string): Promise<{ secret: string; uri: string }> {
    const users = this.db.getRepository(StaffUserEntity);
    const user = await users.findOneByOrFail({ id: staff.id });
    if (user.totpEnabledAt) {
      throw new AuthError(AuthErrorCode.TotpAlreadyEnabled, 'TOTP already enabled');
    }
    // a stored secret that no longer opens (the key was replaced) is drawn anew: it was never confirmed
    let secret = openTotpSecret(this.secrets, user);
    if (!secret) {
      secret = newTotpSecret();
      await users.update(user.id, {
        totpSecret: this.secrets.seal(secret, totpSecretContext(user.id)),
        totpLastStep: null,
      });
    }
    return { secret, uri: totpUri(secret, issuer, user.loginId) };
  }

  /** Turns TOTP on when the code matches the unconfirmed secret; the step used cannot log in again. */
  async confirm(staff: StaffContext, code: string): Promise<void> {
    const users = this.db.getRepository(StaffUserEntity);
    const user = await users.findOneByOrFail({ id: staff.id });
    if (user.totpEnabledAt) {
      throw new AuthError(AuthErrorCode.TotpAlreadyEnabled, 'TOTP already enabled');
    }
    const secret = openTotpSecret(this.secrets, user);
    const step = secret ? verifyTotp(secret, code, user.totpLastStep, this.now()) : undefined;
    if (step === undefined) {
      throw new AuthError(AuthErrorCode.TotpCodeWrong, 'wrong TOTP code');
    }
    await this.db.transaction(async (em) => {
      await em.update(StaffUserEntity, user.id, { totpEnabledAt: this.now(), totpLastStep: step });
      // whoever was logged in elsewhere with the password alone is logged out
      await em
        .createQueryBuilder()
        .delete()
        .from(StaffSessionEntity)
        .where('staff_user_id = :id AND id_hash <> :keep', { id: user.id, keep: staff.sessionHash })
        .execute();
      await this.audit.append(em, {
        actor: staff,
        municipalityCode: staff.municipalityCode,
        action: AuditAction.TotpEnrolled,
        targetType: 'staff_user',
        targetId: user.id,
      });
    });
  }
}
