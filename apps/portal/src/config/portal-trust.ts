import { ConfigError } from '@madoguchi/common';
import { fileList, loadTrustStore, type TrustStore } from '@madoguchi/pki';
import type { PortalConfig } from './portal.config';

/** The portal's verifier trust, from configuration (the back office builds its own the same way). */
export function portalTrust(config: PortalConfig): TrustStore {
  if (config.NODE_ENV === 'production' && config.JPKI_ACCEPT_TEST_CERTIFICATES) {
    throw new ConfigError(['JPKI_ACCEPT_TEST_CERTIFICATES: never in production']);
  }
  return loadTrustStore({
    trustAnchorFiles: fileList(config.JPKI_TRUST_ANCHORS),
    intermediateFiles: fileList(config.JPKI_INTERMEDIATES),
    acceptTestCertificates: config.JPKI_ACCEPT_TEST_CERTIFICATES,
    revocationTimeoutMs: config.REVOCATION_TIMEOUT_MS,
  });
}
