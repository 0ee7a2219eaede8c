import { ConfigError } from '@madoguchi/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backofficeVerifier } from './backoffice-trust';
import { DEV_TRANSFER_KEY, loadBackofficeConfig } from './backoffice.config';

describe('loadBackofficeConfig', () => {
  it('takes the documented defaults in development', () => {
    const sut = loadBackofficeConfig({});
    expect(sut).toMatchObject({
      port: 3001,
      databaseUrl: 'sqlite:./data/backoffice.sqlite',
      dataDir: './data/backoffice',
      portalTransferUrl: 'http://127.0.0.1:3000',
      transferKey: DEV_TRANSFER_KEY,
      pullIntervalMs: 2000,
      formsDir: './forms',
      isProduction: false,
    });
    expect(sut.cookieSecret).toHaveLength(64);
  });

  it('reads the environment', () => {
    const sut = loadBackofficeConfig({
      BACKOFFICE_PORT: '4001',
      BACKOFFICE_DATABASE_URL: 'postgres://u:p@db/backoffice',
      PULL_INTERVAL_MS: '500',
      TRANSFER_KEY: 'k'.repeat(40),
    });
    expect(sut).toMatchObject({
      port: 4001,
      databaseUrl: 'postgres://u:p@db/backoffice',
      pullIntervalMs: 500,
      transferKey: 'k'.repeat(40),
    });
  });

  it('names every bad key', () => {
    let error: unknown;
    try {
      loadBackofficeConfig({
        BACKOFFICE_PORT: 'x',
        BACKOFFICE_DATABASE_URL: 'mysql://db',
        TRANSFER_KEY: 'short',
        PORTAL_TRANSFER_URL: 'not a url',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    for (const key of [
      'BACKOFFICE_PORT',
      'BACKOFFICE_DATABASE_URL',
      'TRANSFER_KEY',
      'PORTAL_TRANSFER_URL',
    ]) {
      expect(text).toContain(key);
    }
  });

  it('has no development defaults for secrets in production', () => {
    expect(() => loadBackofficeConfig({ NODE_ENV: 'production' })).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringContaining('TRANSFER_KEY'),
          expect.stringContaining('BACKOFFICE_COOKIE_SECRET'),
          expect.stringContaining('BACKOFFICE_SECRETS_KEY'),
        ],
      }),
    );
    const sut = loadBackofficeConfig({
      NODE_ENV: 'production',
      TRANSFER_KEY: 't'.repeat(32),
      BACKOFFICE_COOKIE_SECRET: 'c'.repeat(32),
      BACKOFFICE_SECRETS_KEY: 'a1'.repeat(32),
    });
    expect(sut.isProduction).toBe(true);
    expect(sut.secretsKey).toBe('a1'.repeat(32));
  });

  it('reads the login rate limit: 20 attempts per 10 minutes by default', () => {
    expect(loadBackofficeConfig({}).loginRateLimit).toEqual({
      maxAttempts: 20,
      windowMs: 600_000,
    });
    expect(
      loadBackofficeConfig({
        BACKOFFICE_LOGIN_MAX_ATTEMPTS: '5',
        BACKOFFICE_LOGIN_WINDOW_MINUTES: '60',
      }).loginRateLimit,
    ).toEqual({ maxAttempts: 5, windowMs: 3_600_000 });
    expect(() => loadBackofficeConfig({ BACKOFFICE_LOGIN_MAX_ATTEMPTS: '0' })).toThrow(
      /BACKOFFICE_LOGIN_MAX_ATTEMPTS/,
    );
  });

  it('refuses a secrets key that is not 32 bytes, naming the key and never showing it', () => {
    let error: unknown;
    try {
      loadBackofficeConfig({ BACKOFFICE_SECRETS_KEY: 'my-secret-passphrase' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    expect(text).toContain('BACKOFFICE_SECRETS_KEY');
    expect(text).not.toContain('my-secret-passphrase');
    // openssl rand -base64 32, as the README says
    expect(
      loadBackofficeConfig({ BACKOFFICE_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') })
        .secretsKey,
    ).toBe(Buffer.alloc(32, 7).toString('base64'));
  });

  it('reads the hour of the nightly 現況確認 (Japan time), 3 by default, 0–23 only', () => {
    expect(loadBackofficeConfig({}).revocationRecheckHour).toBe(3);
    expect(loadBackofficeConfig({ REVOCATION_RECHECK_HOUR: '0' }).revocationRecheckHour).toBe(0);
    expect(() => loadBackofficeConfig({ REVOCATION_RECHECK_HOUR: '24' })).toThrow(ConfigError);
  });

  it('reads the signature trust keys, strictly for the boolean, and refuses test certificates in production', () => {
    const sut = loadBackofficeConfig({
      JPKI_TRUST_ANCHORS: 'a.pem, b.der',
      JPKI_INTERMEDIATES: 'ca.pem',
      JPKI_ACCEPT_TEST_CERTIFICATES: 'false',
      REVOCATION_TIMEOUT_MS: '1500',
    });
    expect(sut.jpki).toEqual({
      trustAnchorFiles: ['a.pem', 'b.der'],
      intermediateFiles: ['ca.pem'],
      acceptTestCertificates: false,
      revocationTimeoutMs: 1500,
    });
    expect(loadBackofficeConfig({ JPKI_ACCEPT_TEST_CERTIFICATES: 'true' }).jpki).toMatchObject({
      acceptTestCertificates: true,
    });
    expect(() => loadBackofficeConfig({ JPKI_ACCEPT_TEST_CERTIFICATES: 'yes' })).toThrow(
      ConfigError,
    );
    expect(() => loadBackofficeConfig({ REVOCATION_TIMEOUT_MS: '10' })).toThrow(ConfigError);
    expect(() =>
      loadBackofficeConfig({
        NODE_ENV: 'production',
        TRANSFER_KEY: 't'.repeat(32),
        BACKOFFICE_COOKIE_SECRET: 'c'.repeat(32),
        BACKOFFICE_SECRETS_KEY: 'a1'.repeat(32),
        JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [expect.stringContaining('JPKI_ACCEPT_TEST_CERTIFICATES')],
      }),
    );
  });

  it('stops the start on an unreadable or unparsable trust file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bo-trust-'));
    try {
      const garbage = join(dir, 'garbage.der');
      writeFileSync(garbage, 'not a certificate');
      const missing = loadBackofficeConfig({ JPKI_TRUST_ANCHORS: join(dir, 'missing.pem') });
      expect(() => backofficeVerifier(missing)).toThrow(
        expect.objectContaining({ problems: [expect.stringContaining('JPKI_TRUST_ANCHORS')] }),
      );
      const bad = loadBackofficeConfig({ JPKI_TRUST_ANCHORS: garbage });
      expect(() => backofficeVerifier(bad)).toThrow(ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the session lifetimes and refuses an idle timeout longer than the whole session', () => {
    expect(loadBackofficeConfig({}).session).toEqual({
      idleTimeoutMs: 30 * 60 * 1000,
      absoluteLifetimeMs: 8 * 60 * 60 * 1000,
    });
    expect(
      loadBackofficeConfig({
        BACKOFFICE_SESSION_IDLE_MINUTES: '15',
        BACKOFFICE_SESSION_MAX_HOURS: '10',
      }).session,
    ).toEqual({ idleTimeoutMs: 15 * 60 * 1000, absoluteLifetimeMs: 10 * 60 * 60 * 1000 });
    for (const [key, value] of [
      ['BACKOFFICE_SESSION_IDLE_MINUTES', '0'],
      ['BACKOFFICE_SESSION_IDLE_MINUTES', 'soon'],
      ['BACKOFFICE_SESSION_MAX_HOURS', '25'],
    ]) {
      expect(() => loadBackofficeConfig({ [key]: value })).toThrow(
        expect.objectContaining({
          problems: expect.arrayContaining([expect.stringContaining(key)]),
        }),
      );
    }
    expect(() =>
      loadBackofficeConfig({
        BACKOFFICE_SESSION_IDLE_MINUTES: '120',
        BACKOFFICE_SESSION_MAX_HOURS: '1',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [expect.stringContaining('BACKOFFICE_SESSION_IDLE_MINUTES')],
      }),
    );
  });
});
