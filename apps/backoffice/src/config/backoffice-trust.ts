import {
  HttpRevocationSource,
  loadTrustStore,
  type RevocationSource,
  type SignatureVerifier,
} from '@madoguchi/pki';
import type { BackofficeConfig } from './backoffice.config';

/**
 * The back office's own verifier (issue 4 §8): its own anchors and its own revocation source, never the portal's
 * verdict. Built at boot; an unreadable or unparsable certificate file stops the start with a ConfigError.
 */
export function backofficeVerifier(config: BackofficeConfig): SignatureVerifier {
  return loadTrustStore(
    config.jpki ?? {
      trustAnchorFiles: [],
      intermediateFiles: [],
      acceptTestCertificates: false,
      revocationTimeoutMs: 3000,
    },
  ).verifier;
}

/** For 現況確認: the same OCSP / CRL over HTTP, but every check asks again (never an answer cached at intake). */
export function backofficeRecheckSource(config: BackofficeConfig): RevocationSource {
  return new HttpRevocationSource({
    timeoutMs: config.jpki?.revocationTimeoutMs ?? 3000,
    isCacheUsed: false,
  });
}
