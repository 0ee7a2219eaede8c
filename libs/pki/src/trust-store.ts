import { readFileSync } from 'node:fs';
import { ConfigError } from '@madoguchi/common';
import { HttpRevocationSource } from './http-revocation.source';
import { JPKI_SIGNING_POLICY_OID, JPKI_TEST_SIGNING_POLICY_OID } from './oids';
import type { RevocationSource } from './revocation.source';
import { SignatureVerifier } from './signature.verifier';

/** A certificate file, PEM (one or more certificates) or DER, to DER. */
export function readCertificateFile(file: string): Buffer[] {
  const bytes = readFileSync(file);
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    return [bytes];
  }
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map(
    (m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'),
  );
}

export interface TrustStoreSettings {
  trustAnchorFiles: string[];
  intermediateFiles: string[];
  /** accept the simulated J-LIS's test policy (never in production) */
  acceptTestCertificates: boolean;
  revocationTimeoutMs: number;
}

export interface TrustStore {
  trustAnchors: Buffer[];
  intermediates: Buffer[];
  acceptedPolicies: string[];
  revocation: RevocationSource;
  /** built once: anchors and intermediates parsed once, revocation answers cached until nextUpdate */
  verifier: SignatureVerifier;
}

/**
 * A verifier's trust from configuration (issue 4 §1: anchors from configuration, never from the CMS), as each zone
 * builds its own at boot. An unreadable or unparsable file stops the start with a ConfigError naming the setting.
 */
export function loadTrustStore(settings: TrustStoreSettings): TrustStore {
  const problems: string[] = [];
  const load = (key: string, files: string[]): Buffer[] =>
    files.flatMap((file) => {
      try {
        return readCertificateFile(file);
      } catch (e) {
        problems.push(`${key}: cannot read ${file} (${(e as Error).message})`);
        return [];
      }
    });
  const trustAnchors = load('JPKI_TRUST_ANCHORS', settings.trustAnchorFiles);
  const intermediates = load('JPKI_INTERMEDIATES', settings.intermediateFiles);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  const acceptedPolicies = settings.acceptTestCertificates
    ? [JPKI_SIGNING_POLICY_OID, JPKI_TEST_SIGNING_POLICY_OID]
    : [JPKI_SIGNING_POLICY_OID];
  const revocation = new HttpRevocationSource({ timeoutMs: settings.revocationTimeoutMs });
  try {
    const verifier = new SignatureVerifier({
      trustAnchors,
      intermediates,
      acceptedPolicies,
      revocation,
    });
    return { trustAnchors, intermediates, acceptedPolicies, revocation, verifier };
  } catch (e) {
    throw new ConfigError([
      `JPKI_TRUST_ANCHORS / JPKI_INTERMEDIATES: not a certificate (${(e as Error).message})`,
    ]);
  }
}

/** A comma-separated list of files from one setting. */
export function fileList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
}
