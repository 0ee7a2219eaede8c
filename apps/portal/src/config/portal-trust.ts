import { readFileSync } from 'node:fs';
import {
  HttpRevocationSource,
  SignatureVerifier,
  JPKI_SIGNING_POLICY_OID,
  JPKI_TEST_SIGNING_POLICY_OID,
} from '@madoguchi/pki';
import type { PortalTrust } from '../card-sessions/signer-api.service';
import type { PortalConfig } from './portal.config';

/** A certificate file, PEM or DER, to DER. */
function readCertificates(file: string): Buffer[] {
  const bytes = readFileSync(file);
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    return [bytes];
  }
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map(
    (m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'),
  );
}

function files(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
}

/** The verifier's trust, from configuration (issue 4 §1: anchors from configuration, never from the CMS). */
export function portalTrust(config: PortalConfig): PortalTrust {
  const trust = {
    trustAnchors: files(config.JPKI_TRUST_ANCHORS).flatMap(readCertificates),
    intermediates: files(config.JPKI_INTERMEDIATES).flatMap(readCertificates),
    acceptedPolicies: config.JPKI_ACCEPT_TEST_CERTIFICATES
      ? [JPKI_SIGNING_POLICY_OID, JPKI_TEST_SIGNING_POLICY_OID]
      : [JPKI_SIGNING_POLICY_OID],
    revocation: new HttpRevocationSource({ timeoutMs: config.REVOCATION_TIMEOUT_MS }),
  };
  return { ...trust, verifier: new SignatureVerifier(trust) };
}
