import { ConfigError, parseSecretKey, SecretBox, SecretBoxError } from '@madoguchi/common';
import { IsNull, Not, type DataSource } from 'typeorm';
import { ArchiveError, ArchiveErrorCode } from '../archive/archive.error';
import type { ArchiveTarget } from '../archive/connectors/archive-target';
import { createTarget } from '../archive/connectors/target-factory';
import { DEV_SECRETS_KEY, type BackofficeConfig } from '../config/backoffice.config';
import { ArchiveConnectorEntity } from './entities/archive-connector.entity';
import { StaffUserEntity } from './entities/staff-user.entity';

/**
 * Secrets the back office keeps in its database, sealed with BACKOFFICE_SECRETS_KEY (issue 5 §9, issue 6 §3).
 * Each is bound to its row and column: a value copied elsewhere does not open.
 */
export const totpSecretContext = (staffUserId: string): string =>
  `staff_user.totp_secret/${staffUserId}`;
export const connectorSecretContext = (connectorId: string): string =>
  `archive_connector.secret/${connectorId}`;

export function secretBoxOf(config: Pick<BackofficeConfig, 'secretsKey'>): SecretBox {
  const key = parseSecretKey(config.secretsKey ?? DEV_SECRETS_KEY);
  if (!key) {
    throw new ConfigError([
      'BACKOFFICE_SECRETS_KEY: must be 32 random bytes, base64url, base64 or hex (e.g. `openssl rand -base64 32`)',
    ]);
  }
  return new SecretBox(key);
}

/** The TOTP secret of a staff member, or undefined when none is stored or it does not open with the key. */
export function openTotpSecret(
  box: SecretBox,
  user: Pick<StaffUserEntity, 'id' | 'totpSecret'>,
): string | undefined {
  if (!user.totpSecret) {
    return undefined;
  }
  try {
    return box.open(user.totpSecret, totpSecretContext(user.id));
  } catch (e) {
    if (e instanceof SecretBoxError) {
      return undefined;
    }
    throw e;
  }
}

/** A target that cannot work: its connector's secret does not open (the key was changed or lost). */
function unopenable(): ArchiveTarget {
  const fail = () =>
    Promise.reject(
      new ArchiveError(
        ArchiveErrorCode.BadSettings,
        '保存されたシークレットを復号できません（BACKOFFICE_SECRETS_KEY が変わった可能性があります）。接続先の設定でシークレットを入力し直してください。',
      ),
    );
  return { test: fail, deliver: fail, fixity: fail };
}

/** The targets of connectors whose secret is sealed: opened here, just before use, and kept nowhere else. */
export function sealedTargets(box: SecretBox): (c: ArchiveConnectorEntity) => ArchiveTarget {
  return (c) => {
    if (c.secret === null) {
      return createTarget(c);
    }
    let secret: string;
    try {
      secret = box.open(c.secret, connectorSecretContext(c.id));
    } catch (e) {
      if (e instanceof SecretBoxError) {
        return unopenable();
      }
      throw e;
    }
    return createTarget({ ...c, secret });
  };
}

export interface SealReport {
  /** plaintext values sealed now (rows from before BACKOFFICE_SECRETS_KEY) */
  sealed: number;
  /** values sealed under a key that is not the configured one: they cannot be used until typed again */
  underOtherKey: number;
}

/**
 * Start-up: seals every secret still stored in plaintext (rows written before sealing existed). Idempotent and
 * safe with several processes: a row is rewritten only while it still holds the plaintext that was read.
 */
export async function sealStoredSecrets(db: DataSource, box: SecretBox): Promise<SealReport> {
  const report: SealReport = { sealed: 0, underOtherKey: 0 };
  const users = await db
    .getRepository(StaffUserEntity)
    .find({ select: { id: true, totpSecret: true }, where: { totpSecret: Not(IsNull()) } });
  for (const user of users) {
    const stored = user.totpSecret as string;
    if (SecretBox.isSealed(stored)) {
      report.underOtherKey += SecretBox.keyIdOf(stored) === box.keyId ? 0 : 1;
      continue;
    }
    const result = await db
      .createQueryBuilder()
      .update(StaffUserEntity)
      .set({ totpSecret: box.seal(stored, totpSecretContext(user.id)) })
      .where('id = :id AND totp_secret = :stored', { id: user.id, stored })
      .execute();
    report.sealed += result.affected ?? 0;
  }
  const connectors = await db
    .getRepository(ArchiveConnectorEntity)
    .find({ select: { id: true, secret: true }, where: { secret: Not(IsNull()) } });
  for (const connector of connectors) {
    const stored = connector.secret as string;
    if (SecretBox.isSealed(stored)) {
      report.underOtherKey += SecretBox.keyIdOf(stored) === box.keyId ? 0 : 1;
      continue;
    }
    const result = await db
      .createQueryBuilder()
      .update(ArchiveConnectorEntity)
      .set({ secret: box.seal(stored, connectorSecretContext(connector.id)) })
      .where('id = :id AND secret = :stored', { id: connector.id, stored })
      .execute();
    report.sealed += result.affected ?? 0;
  }
  return report;
}
