import { SecretBox } from '@madoguchi/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { testDatabaseUrl } from '../../../../test/support/test-database';
import { ArchiveConnectorsService } from '../archive/archive-connectors.service';
import { AuditLog } from '../audit/audit-log';
import { PasswordHasher } from '../auth/password.hasher';
import { TwoFactorService } from '../auth/two-factor.service';
import { staffContextOf } from '../auth/staff-context';
import { StaffService } from '../staff/staff.service';
import { openBackofficeDatabase } from './backoffice.database';
import { ArchiveConnectorEntity } from './entities/archive-connector.entity';
import { StaffUserEntity } from './entities/staff-user.entity';
import {
  connectorSecretContext,
  openTotpSecret,
  sealedTargets,
  sealStoredSecrets,
  totpSecretContext,
} from './stored-secrets';

const HMAC_KEY = 'webhook-hmac-key-0123456789-abcdefghij';

/** The raw column, as anyone with a copy of the database would read it (no entity, no transformer). */
async function rawColumn(
  db: DataSource,
  table: string,
  column: string,
  id: string,
): Promise<string> {
  const p = db.options.type === 'postgres' ? '$1' : '?';
  const rows: Array<Record<string, string>> = await db.query(
    `SELECT ${column} AS value FROM ${table} WHERE id = ${p}`,
    [id],
  );
  return rows[0].value;
}

describe(`secrets at rest (${process.env.TEST_POSTGRES_URL ? 'PostgreSQL' : 'SQLite'}, real migrations)`, () => {
  const hasher = new PasswordHasher({ N: 2 ** 12, r: 8, p: 1 });
  const box = new SecretBox(randomBytes(32));
  let dir: string;
  let db: DataSource;
  let staff: StaffService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bo-secrets-'));
    db = await openBackofficeDatabase(await testDatabaseUrl('bo_secrets', dir));
    staff = new StaffService(db, hasher);
    await staff.ensureMunicipalities([{ code: '990019', name: { ja: 'まどぐち市（デモ）' } }]);
  });

  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const newUser = (loginId: string) =>
    staff.createUser({
      loginId,
      displayName: loginId,
      password: 'right password 1',
      role: 'admin',
      municipalityCode: '990019',
      mustChangePassword: false,
    });

  it('stores a TOTP secret sealed: the raw column holds no plaintext, the service opens it', async () => {
    const user = await newUser('sato');
    const context = staffContextOf(user, 'a'.repeat(64), {
      pendingFactor: null,
      isTotpRequired: false,
    });
    const { secret } = await new TwoFactorService(db, new AuditLog(), box).begin(context, 'x');
    const raw = await rawColumn(db, 'staff_user', 'totp_secret', user.id);
    expect(raw).toMatch(/^v1:/);
    expect(raw).not.toContain(secret);
    expect(raw.length).toBeGreaterThan(64); // the widened column keeps it whole on PostgreSQL
    expect(box.open(raw, totpSecretContext(user.id))).toBe(secret);
  });

  it('stores a connector secret sealed, and hands the opened one to the target only', async () => {
    const sut = new ArchiveConnectorsService(db, box);
    const saved = await sut.save('990019', {
      name: 'Webhook',
      kind: 'webhook',
      format: 'zip',
      url: 'https://archive.example.jp/hook',
      secret: HMAC_KEY,
    });
    const raw = await rawColumn(db, 'archive_connector', 'secret', saved.id);
    expect(raw).toMatch(/^v1:/);
    expect(raw).not.toContain(HMAC_KEY);
    expect(box.open(raw, connectorSecretContext(saved.id))).toBe(HMAC_KEY);
    // an empty field keeps the stored secret, still sealed and unchanged
    await sut.save(
      '990019',
      { name: 'Webhook 2', format: 'zip', url: 'https://archive.example.jp/hook' },
      saved.id,
    );
    await expect(rawColumn(db, 'archive_connector', 'secret', saved.id)).resolves.toBe(raw);
    // the worker's target gets the opened secret (WebhookTarget keeps its HMAC key)
    const target = sealedTargets(box)(await sut.get('990019', saved.id));
    expect(JSON.stringify(target)).toContain(HMAC_KEY);
  });

  it('seals rows stored in plaintext before, once (idempotent), and a copied row does not open', async () => {
    const user = await newUser('suzuki');
    const other = await newUser('takahashi');
    const plainTotp = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await db.getRepository(StaffUserEntity).update(user.id, { totpSecret: plainTotp });
    const connectorId = randomUUID();
    await db.getRepository(ArchiveConnectorEntity).insert({
      id: connectorId,
      municipalityCode: '990019',
      name: 'old S3',
      kind: 's3',
      format: 'zip',
      settings: {
        endpoint: 'http://127.0.0.1:9',
        region: 'ap-northeast-1',
        bucket: 'b',
        prefix: '',
        accessKeyId: 'AKIA',
      },
      secret: 'plain-secret-access-key',
      formIds: [],
      isEnabled: true,
      maxAttempts: 3,
      createdAt: new Date(),
      updatedAt: new Date(),
    });

    const first = await sealStoredSecrets(db, box);
    expect(first.sealed).toBe(2);
    const rawTotp = await rawColumn(db, 'staff_user', 'totp_secret', user.id);
    const rawConnector = await rawColumn(db, 'archive_connector', 'secret', connectorId);
    expect(rawTotp).not.toContain(plainTotp);
    expect(rawConnector).not.toContain('plain-secret-access-key');
    expect(openTotpSecret(box, { id: user.id, totpSecret: rawTotp })).toBe(plainTotp);
    expect(box.open(rawConnector, connectorSecretContext(connectorId))).toBe(
      'plain-secret-access-key',
    );

    await expect(sealStoredSecrets(db, box)).resolves.toEqual({ sealed: 0, underOtherKey: 0 });
    await expect(rawColumn(db, 'staff_user', 'totp_secret', user.id)).resolves.toBe(rawTotp);

    // copied to another staff member, the sealed secret does not open there
    await db.getRepository(StaffUserEntity).update(other.id, { totpSecret: rawTotp });
    expect(openTotpSecret(box, { id: other.id, totpSecret: rawTotp })).toBeUndefined();

    // under another key (the key was lost and replaced), the values are counted, not opened
    const replaced = new SecretBox(randomBytes(32));
    await expect(sealStoredSecrets(db, replaced)).resolves.toMatchObject({ sealed: 0 });
    expect((await sealStoredSecrets(db, replaced)).underOtherKey).toBeGreaterThanOrEqual(3);
    await expect(
      sealedTargets(replaced)(
        await db.getRepository(ArchiveConnectorEntity).findOneByOrFail({ id: connectorId }),
      ).test(),
    ).rejects.toThrow(/BACKOFFICE_SECRETS_KEY/);
  });
});
