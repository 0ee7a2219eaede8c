import { ConfigError, loadConfig } from '@madoguchi/common';
import { PortalConfig } from './portal.config';
import { portalTrust } from './portal-trust';

describe('PortalConfig', () => {
  it('reads the test-certificate switch as a real boolean ("false" stays false)', () => {
    expect(
      loadConfig(PortalConfig, { JPKI_ACCEPT_TEST_CERTIFICATES: 'false' })
        .JPKI_ACCEPT_TEST_CERTIFICATES,
    ).toBe(false);
    expect(
      loadConfig(PortalConfig, { JPKI_ACCEPT_TEST_CERTIFICATES: 'true' })
        .JPKI_ACCEPT_TEST_CERTIFICATES,
    ).toBe(true);
    expect(() => loadConfig(PortalConfig, { JPKI_ACCEPT_TEST_CERTIFICATES: 'yes' })).toThrow(
      ConfigError,
    );
  });

  it('names every bad key and refuses test certificates or missing secrets in production', () => {
    expect(() =>
      loadConfig(PortalConfig, { PORTAL_PORT: 'x', PORTAL_DATABASE_URL: 'mysql://db' }),
    ).toThrow(/PORTAL_PORT[\s\S]*PORTAL_DATABASE_URL/);
    expect(() => loadConfig(PortalConfig, { NODE_ENV: 'production' })).toThrow(/TRANSFER_KEY/);
    const production = loadConfig(PortalConfig, {
      NODE_ENV: 'production',
      TRANSFER_KEY: 'k'.repeat(40),
      PORTAL_COOKIE_SECRET: 'c'.repeat(40),
      JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
    });
    expect(() => portalTrust(production)).toThrow(/never in production/);
  });

  it('stops on an unreadable trust file, naming the setting', () => {
    const config = loadConfig(PortalConfig, { JPKI_TRUST_ANCHORS: '/nonexistent/root.der' });
    expect(() => portalTrust(config)).toThrow(/JPKI_TRUST_ANCHORS/);
  });
});
