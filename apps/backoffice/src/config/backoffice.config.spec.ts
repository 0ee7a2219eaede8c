import { ConfigError } from '@madoguchi/common';
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
        ],
      }),
    );
    const sut = loadBackofficeConfig({
      NODE_ENV: 'production',
      TRANSFER_KEY: 't'.repeat(32),
      BACKOFFICE_COOKIE_SECRET: 'c'.repeat(32),
    });
    expect(sut.isProduction).toBe(true);
  });
});
