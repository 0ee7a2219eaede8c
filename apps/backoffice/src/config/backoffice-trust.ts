import { ConfigError } from '@madoguchi/common';
import {
  HttpRevocationSource,
  JPKI_SIGNING_POLICY_OID,
  JPKI_TEST_SIGNING_POLICY_OID,
  SignatureVerifier,
} from '@madoguchi/pki';
import { readFileSync } from 'node:fs';
import type { BackofficeConfig } from './backoffice.config';

/** A certificate file, PEM (one or more) or DER, to DER. */
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

/**
 * The back office's own verifier (issue 4 §8): its own anchors and its own revocation source, never the portal's
 * verdict. Built at boot; an unreadable or unparsable certificate file stops the start with a ConfigError.
 */
export function backofficeVerifier(config: BackofficeConfig): SignatureVerifier {
  const jpki = config.jpki ?? {
    trustAnchorFiles: [],
    intermediateFiles: [],
    acceptTestCertificates: false,
    revocationTimeoutMs: 3000,
  };
  const problems: string[] = [];
  const load = (key: string, files: string[]): Buffer[] =>
    files.flatMap((file) => {
      try {
        return readCertificates(file);
      } catch (e) {
        problems.push(`${key}: cannot read ${file} (${(e as Error).message})`);
        return [];
      }
    });
  const trustAnchors = load('JPKI_TRUST_ANCHORS', jpki.trustAnchorFiles);
  const intermediates = load('JPKI_INTERMEDIATES', jpki.intermediateFiles);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  try {
    return new SignatureVerifier({
      trustAnchors,
      intermediates,
      acceptedPolicies: jpki.acceptTestCertificates
        ? [JPKI_SIGNING_POLICY_OID, JPKI_TEST_SIGNING_POLICY_OID]
        : [JPKI_SIGNING_POLICY_OID],
      revocation: new HttpRevocationSource({ timeoutMs: jpki.revocationTimeoutMs }),
    });
  } catch (e) {
    throw new ConfigError([
      `JPKI_TRUST_ANCHORS / JPKI_INTERMEDIATES: not a certificate (${(e as Error).message})`,
    ]);
  }
}
