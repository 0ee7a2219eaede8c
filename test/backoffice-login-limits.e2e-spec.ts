import { SecretBox } from '@madoguchi/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { MAX_FAILED_LOGINS, MAX_TOTP_ATTEMPTS } from '../apps/backoffice/src/auth/auth.service';
import { PasswordHasher } from '../apps/backoffice/src/auth/password.hasher';
import { createBackofficeApp } from '../apps/backoffice/src/backoffice.app';
import type { BackofficeConfig } from '../apps/backoffice/src/config/backoffice.config';
import { StaffSessionEntity } from '../apps/backoffice/src/database/entities/staff-session.entity';
import { StaffUserEntity } from '../apps/backoffice/src/database/entities/staff-user.entity';
import { totpSecretContext } from '../apps/backoffice/src/database/stored-secrets';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { SESSION_COOKIE } from '../apps/backoffice/src/web/session.guard';
import { StaffAgent } from './support/staff-agent';
import { testDatabaseUrl } from './support/test-database';

jest.setTimeout(120_000);

const PASSWORD = 'a long staff password';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const LIMIT = 12;
const TOO_MANY = 'ログインの試行回数が多すぎます。しばらくしてからお試しください。';

/** A code that is not the one of this step nor of its neighbours (oathtool: independent of otplib). */
function wrongCode(): string {
  const near = [-30, 0, 30].map((s) =>
    execFileSync(
      'oathtool',
      ['--totp', '-b', TOTP_SECRET, '--now', new Date(Date.now() + s * 1000).toISOString()],
      { encoding: 'utf8' },
    ).trim(),
  );
  let code = 0;
  while (near.includes(String(code).padStart(6, '0'))) {
    code += 1;
  }
  return String(code).padStart(6, '0');
}

/**
 * Counts that must outlive a restart and be shared by processes (issue 5 §9): wrong TOTP codes of a pending login,
 * password failures toward the lockout, and the per-client rate limit of POST /login. Each is driven over HTTP,
 * then the app is closed and started again on the same database and port.
 */
describe('back office login limits survive a restart (real HTTP, SQLite or PostgreSQL)', () => {
  let dir: string;
  let config: BackofficeConfig;
  let app: NestFastifyApplication;
  let port = 0;
  let baseUrl: string;

  async function start(): Promise<void> {
    app = await createBackofficeApp(config, {
      isWorkerManual: true,
      logger: false,
      announceFirstAdmin: () => undefined,
      scryptCost: { N: 2 ** 12, r: 8, p: 1 },
    });
    await app.listen({ port, host: '127.0.0.1' });
    port = Number(new URL(await app.getUrl()).port);
    baseUrl = `http://127.0.0.1:${port}`;
  }

  async function restart(): Promise<void> {
    await app.close();
    await start();
  }

  const db = () => app.get(DataSource);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bo-login-limits-'));
    config = {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: await testDatabaseUrl('bo_login_limits', dir),
      dataDir: join(dir, 'data'),
      portalTransferUrl: 'http://127.0.0.1:9',
      transferKey: 'k'.repeat(32),
      // fixed, so that the pending login's cookie is still valid after the restart
      cookieSecret: 'c'.repeat(32),
      pullIntervalMs: 60_000,
      formsDir: resolve(__dirname, '..', 'forms'),
      isProduction: false,
      loginRateLimit: { maxAttempts: LIMIT, windowMs: 10 * 60_000 },
    };
    await start();
    const staff = new StaffService(db(), new PasswordHasher({ N: 2 ** 12, r: 8, p: 1 }));
    for (const loginId of ['sato', 'suzuki', 'tanaka']) {
      await staff.createUser({
        loginId,
        displayName: loginId,
        password: PASSWORD,
        role: 'reviewer',
        municipalityCode: '990019',
        mustChangePassword: false,
      });
    }
    const suzuki = await db().getRepository(StaffUserEntity).findOneByOrFail({ loginId: 'suzuki' });
    await db()
      .getRepository(StaffUserEntity)
      .update(suzuki.id, {
        totpSecret: app.get(SecretBox).seal(TOTP_SECRET, totpSecretContext(suzuki.id)),
        totpEnabledAt: new Date(),
      });
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // failed POST /login attempts from 127.0.0.1 so far (the rate limit counts them; successes give theirs back)
  let failedAttempts = 0;

  it(`ends the pending login at the ${MAX_TOTP_ATTEMPTS}rd wrong code although the app restarted after the 2nd`, async () => {
    const suzuki = new StaffAgent(baseUrl);
    const login = await suzuki.login('suzuki', PASSWORD);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/login/totp');
    for (let i = 1; i < MAX_TOTP_ATTEMPTS; i++) {
      const wrong = await suzuki.post('/login/totp', '/login/totp', { code: wrongCode() });
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('確認コードが違う');
    }
    const [pending] = await db()
      .getRepository(StaffSessionEntity)
      .findBy({ pendingFactor: 'totp' });
    expect(pending.totpFailedCount).toBe(MAX_TOTP_ATTEMPTS - 1);

    await restart();
    // the same browser (its cookies) on the restarted app, same port
    const last = await suzuki.post('/login/totp', '/login/totp', { code: wrongCode() });
    expect(last.status).toBe(401);
    expect(last.text).toContain(`確認コードを${MAX_TOTP_ATTEMPTS}回間違えた`);
    await expect(
      db().getRepository(StaffSessionEntity).countBy({ pendingFactor: 'totp' }),
    ).resolves.toBe(0);
    const user = await db().getRepository(StaffUserEntity).findOneByOrFail({ loginId: 'suzuki' });
    expect(user.failedLoginCount).toBe(MAX_TOTP_ATTEMPTS);
  });

  it(`locks the account at the ${MAX_FAILED_LOGINS}th wrong password although the app restarted before it`, async () => {
    const sato = new StaffAgent(baseUrl);
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
      expect((await sato.login('sato', `wrong ${i}`)).status).toBe(401);
      failedAttempts += 1;
    }
    await restart();
    const after = new StaffAgent(baseUrl);
    expect((await after.login('sato', 'wrong again')).status).toBe(401);
    // locked: the right password does not open it either
    const right = await after.login('sato', PASSWORD);
    failedAttempts += 2;
    expect(right.status).toBe(401);
    const user = await db().getRepository(StaffUserEntity).findOneByOrFail({ loginId: 'sato' });
    expect(user.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
  });

  it(`answers 429 with a Japanese message after ${LIMIT} failed attempts from one address, also after a restart`, async () => {
    const browser = new StaffAgent(baseUrl);
    while (failedAttempts < LIMIT) {
      const res = await browser.login('nobody', 'guess');
      expect(res.status).toBe(401);
      failedAttempts += 1;
    }
    const refused = await browser.login('tanaka', PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.text).toContain(TOO_MANY);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['set-cookie'] ?? []).not.toEqual(
      expect.arrayContaining([expect.stringContaining(`${SESSION_COOKIE}=`)]),
    );

    await restart();
    const afterRestart = await new StaffAgent(baseUrl).login('tanaka', PASSWORD);
    expect(afterRestart.status).toBe(429);
    expect(afterRestart.text).toContain(TOO_MANY);
  });
});
