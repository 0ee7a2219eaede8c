import { constants, createHash, verify } from 'node:crypto';
import { ParsedCertificate, KeyUsageBit } from './certificate';
import { extractCertifiedBasicFour, type CertifiedBasicFour } from './certified-basic-four';
import { children, decodeTime, expectTag, oidOf, parseDer, Tag, type DerNode } from './der';
import { hashByOid, JPKI_SIGNING_POLICY_OID, Oid, rsaSignatureHashByOid } from './oids';
import { PkiError, PkiErrorCode } from './pki.error';
import type { RevocationEvidence, RevocationResult, RevocationSource } from './revocation.source';
import { parseSignedAttributes } from './signed-attributes';
import { matchSigningCertificateV2 } from './signing-certificate-v2';

export type Indication = 'TOTAL-PASSED' | 'TOTAL-FAILED' | 'INDETERMINATE';

/** ETSI EN 319 102-1 §5.1.3 sub-indications used here. */
export type SubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'REVOKED'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'CHAIN_CONSTRAINTS_FAILURE'
  | 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'TRY_LATER';

const TOTAL_FAILED: ReadonlySet<SubIndication> = new Set<SubIndication>([
  'FORMAT_FAILURE',
  'HASH_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'REVOKED',
  'EXPIRED',
  'NOT_YET_VALID',
]);

export type CheckName =
  | 'SIGNATURE'
  | 'MESSAGE_DIGEST'
  | 'SIGNING_CERTIFICATE_V2'
  | 'CHAIN'
  | 'VALIDITY_AT_SIGNING_TIME'
  | 'KEY_USAGE'
  | 'POLICY'
  | 'REVOCATION';

const CHECK_ORDER: readonly CheckName[] = [
  'SIGNATURE',
  'MESSAGE_DIGEST',
  'SIGNING_CERTIFICATE_V2',
  'CHAIN',
  'VALIDITY_AT_SIGNING_TIME',
  'KEY_USAGE',
  'POLICY',
  'REVOCATION',
];

export type CheckStatus = 'PASSED' | 'FAILED' | 'INDETERMINATE';

export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  /** Set when the status is not PASSED. */
  subIndication?: SubIndication;
  reason: string;
}

export interface VerificationReport {
  indication: Indication;
  subIndication?: SubIndication;
  /** One per CheckName, in CHECK_ORDER. */
  checks: CheckResult[];
  signerCertificate?: Buffer;
  /** The basic four certified in the signer certificate's SAN (JPKI.md §4.2), when it carries them. */
  certifiedBasicFour?: CertifiedBasicFour;
  /** The signing-time attribute (claimed by the signer; B-B has no time-stamp). */
  signingTime?: Date;
  /** Signer first, ending with the trust anchor, when a chain was found. */
  chain: Buffer[];
  revocation?: RevocationResult;
  /** With checkCaRevocation: one result per CA below the anchor, in chain order. */
  caRevocation: RevocationResult[];
  /** What to archive beside the .p7s (CAdES-B-LT values; SIGNATURES.md decision 4). */
  revocationEvidence: RevocationEvidence;
  validatedAt: Date;
}

export interface VerifySignatureInput {
  cms: Uint8Array;
  /** The exact bytes the verifier expects were signed (the canonical document). */
  content: Uint8Array;
  trustAnchors: Uint8Array[];
  intermediates?: Uint8Array[];
  revocation: RevocationSource;
  now?: Date;
  /** Accepted certificate policies of the signer; default the JPKI signing policy only (JPKI.md §4.2). */
  acceptedPolicies?: readonly string[];
  /** Default 1 MiB. */
  maxCmsBytes?: number;
  /** How far in the future signing-time may be; default 5 minutes. */
  clockSkewMs?: number;
  /**
   * Also ask about every CA certificate below the trust anchor (EN 319 102-1 §5.2.6). Off by default: real JPKI's
   * signing CA is itself the anchor; the simulated J-LIS has an intermediate whose CRL DP must be reachable.
   */
  checkCaRevocation?: boolean;
}

interface ParsedCms {
  digestAlgorithm: string;
  signatureAlgorithm: DerNode;
  signedAttributesDer?: Buffer;
  signature: Buffer;
  certificates: ParsedCertificate[];
  sid: DerNode;
}

const MAX_CHAIN_LENGTH = 8;
const issuedByCache = new Map<string, boolean>();

/** RFC 5652 §5: exactly one signer, id-data, detached. Throws PkiError for anything else. */
export function parseCms(cms: Uint8Array, maxBytes = 1024 * 1024): ParsedCms {
  if (cms.length > maxBytes) {
    throw new PkiError(PkiErrorCode.Malformed, `CMS larger than ${maxBytes} bytes`);
  }
  try {
    const [type, explicit] = children(
      expectTag(parseDer(Buffer.from(cms)), Tag.Sequence, 'ContentInfo'),
    );
    if (oidOf(type, 'contentType') !== Oid.signedData) {
      throw new PkiError(PkiErrorCode.UnsupportedCms, 'the ContentInfo is not SignedData');
    }
    const fields = children(
      expectTag(children(expectTag(explicit, 0xa0, 'content'))[0], Tag.Sequence, 'SignedData'),
    );
    const [, , encap] = fields;
    const encapFields = children(expectTag(encap, Tag.Sequence, 'EncapsulatedContentInfo'));
    if (oidOf(encapFields[0], 'eContentType') !== Oid.data) {
      throw new PkiError(PkiErrorCode.UnsupportedCms, 'the encapsulated content is not id-data');
    }
    if (encapFields.length > 1) {
      throw new PkiError(PkiErrorCode.UnsupportedCms, 'the signature is not detached');
    }
    const certsField = fields.find((f) => f.tag === 0xa0);
    const signerInfos = children(expectTag(fields[fields.length - 1], Tag.Set, 'signerInfos'));
    if (signerInfos.length !== 1) {
      throw new PkiError(
        PkiErrorCode.UnsupportedCms,
        `expected exactly one signer, found ${signerInfos.length}`,
      );
    }
    const info = children(expectTag(signerInfos[0], Tag.Sequence, 'SignerInfo'));
    const [, sid, digestAlgorithm] = info;
    let i = 3;
    const signedAttrs = info[i]?.tag === 0xa0 ? info[i++] : undefined;
    const signatureAlgorithm = expectTag(info[i++], Tag.Sequence, 'signatureAlgorithm');
    const signature = expectTag(info[i++], Tag.OctetString, 'signature').content;
    return {
      digestAlgorithm: oidOf(
        children(expectTag(digestAlgorithm, Tag.Sequence, 'digestAlgorithm'))[0],
        'digestAlgorithm',
      ),
      signatureAlgorithm,
      // RFC 5652 §5.4: the signature covers the attributes with the SET tag, not [0] IMPLICIT.
      signedAttributesDer: signedAttrs
        ? Buffer.concat([Buffer.from([Tag.Set]), signedAttrs.raw.subarray(1)])
        : undefined,
      signature,
      certificates: certsField
        ? children(certsField)
            .filter((c) => c.tag === Tag.Sequence)
            .map((c) => ParsedCertificate.parse(c.raw))
        : [],
      sid,
    };
  } catch (error) {
    if (error instanceof PkiError) {
      throw error;
    }
    throw new PkiError(PkiErrorCode.Malformed, 'the CMS does not parse');
  }
}

function findSigner(cms: ParsedCms): ParsedCertificate | undefined {
  if (cms.sid.tag === Tag.Sequence) {
    const [issuer, serial] = children(cms.sid);
    return cms.certificates.find(
      (c) => c.issuer.raw.equals(issuer.raw) && c.serial.raw.equals(serial?.raw ?? Buffer.alloc(0)),
    );
  }
  if (cms.sid.tag === 0x80) {
    // [0] SubjectKeyIdentifier (RFC 5652 §5.3)
    return cms.certificates.find((c) => {
      const ski = c.extensions.get('2.5.29.14');
      return ski !== undefined && parseDer(ski.value).content.equals(cms.sid.content);
    });
  }
  return undefined;
}

function isIssuedByCached(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const key = `${child.id}:${issuer.id}`;
  let result = issuedByCache.get(key);
  if (result === undefined) {
    result = child.isIssuedBy(issuer);
    if (issuedByCache.size > 10_000) {
      issuedByCache.clear();
    }
    issuedByCache.set(key, result);
  }
  return result;
}

type ChainOutcome =
  | { chain: ParsedCertificate[] }
  | {
      subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' | 'CERTIFICATE_CHAIN_GENERAL_FAILURE';
      reason: string;
    };

/** RFC 5280 §6.1 reduced to what JPKI needs: names chain, signatures verify, CAs are CAs, ends at an anchor. */
function buildChain(
  leaf: ParsedCertificate,
  anchors: ParsedCertificate[],
  candidates: ParsedCertificate[],
): ChainOutcome {
  const chain = [leaf];
  for (let current = leaf; chain.length <= MAX_CHAIN_LENGTH;) {
    if (anchors.some((a) => a.der.equals(current.der))) {
      return checkPath(chain, chain.length - 1);
    }
    const anchor = anchors.find((a) => isIssuedByCached(current, a));
    if (anchor) {
      chain.push(anchor);
      return checkPath(chain, chain.length - 1);
    }
    const next = candidates.find(
      (c) => !chain.some((seen) => seen.der.equals(c.der)) && isIssuedByCached(current, c),
    );
    if (!next) {
      return {
        subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
        reason: `no path from "${describeName(current)}" to a trust anchor`,
      };
    }
    const usage = next.keyUsage();
    if (!next.isCa() || (usage && !usage.has(KeyUsageBit.keyCertSign))) {
      return {
        subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE',
        reason: 'an issuer in the path is not a CA (RFC 5280 §6.1.4 (k), (n))',
      };
    }
    chain.push(next);
    current = next;
  }
  return { subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE', reason: 'path too long' };
}

/** RFC 5280 §6.1.4 (l), (m), (o) for the certificates below the trust anchor at `anchorIndex`. */
function checkPath(chain: ParsedCertificate[], anchorIndex: number): ChainOutcome {
  for (const [index, cert] of chain.slice(0, anchorIndex).entries()) {
    const unknown = cert.unknownCriticalExtensions();
    if (unknown.length > 0) {
      return {
        subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE',
        reason: `unknown critical extension ${unknown.join(', ')} (RFC 5280 §6.1.4 (o))`,
      };
    }
    const pathLength = index > 0 ? cert.pathLenConstraint() : undefined;
    if (pathLength !== undefined && index - 1 > pathLength) {
      return {
        subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE',
        reason: 'a CA pathLenConstraint is exceeded (RFC 5280 §6.1.4 (m))',
      };
    }
  }
  return { chain };
}

function describeName(cert: ParsedCertificate): string {
  try {
    return cert.x509Certificate.subject.replace(/\n/g, ', ');
  } catch {
    return 'unreadable subject';
  }
}

const passed = (check: CheckName, reason: string): CheckResult => ({
  check,
  status: 'PASSED',
  reason,
});
const notPassed = (
  check: CheckName,
  status: Exclude<CheckStatus, 'PASSED'>,
  subIndication: SubIndication,
  reason: string,
): CheckResult => ({ check, status, subIndication, reason });

export type SignatureVerifierConfig = Omit<VerifySignatureInput, 'cms' | 'content' | 'now'>;

/**
 * Validates detached CAdES-B-B signatures in the style of ETSI EN 319 102-1 and returns a report; never trusts a
 * library's single yes/no (SIGNATURES.md decision 3). Make one per trust configuration and reuse it: the anchors and
 * intermediates are parsed once.
 */
export class SignatureVerifier {
  private readonly anchors: ParsedCertificate[];
  private readonly intermediates: ParsedCertificate[];

  constructor(private readonly config: SignatureVerifierConfig) {
    this.anchors = config.trustAnchors.map((a) => ParsedCertificate.parse(a));
    this.intermediates = (config.intermediates ?? []).map((c) => ParsedCertificate.parse(c));
  }

  /**
   * Throws PkiError (Malformed, UnsupportedCms) only when the input is not a single-signer detached SignedData at
   * all; every other problem is a verdict in the report.
   */
  verify(input: { cms: Uint8Array; content: Uint8Array; now?: Date }): Promise<VerificationReport> {
    return verifyWith(this.config, this.anchors, this.intermediates, input);
  }
}

/** One-off verification; see SignatureVerifier. */
export function verifySignature(input: VerifySignatureInput): Promise<VerificationReport> {
  return new SignatureVerifier(input).verify(input);
}

async function verifyWith(
  config: SignatureVerifierConfig,
  anchors: ParsedCertificate[],
  intermediates: ParsedCertificate[],
  input: { cms: Uint8Array; content: Uint8Array; now?: Date },
): Promise<VerificationReport> {
  const now = input.now ?? new Date();
  const cms = parseCms(input.cms, config.maxCmsBytes);
  const checks = new Map<CheckName, CheckResult>();
  const set = (result: CheckResult): void => {
    checks.set(result.check, result);
  };
  const report = (extra: Partial<VerificationReport> = {}): VerificationReport => {
    const list = CHECK_ORDER.map(
      (name) =>
        checks.get(name) ??
        notPassed(name, 'INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND', 'not checked'),
    );
    const firstFailed = list.find((c) => c.subIndication && TOTAL_FAILED.has(c.subIndication));
    const firstOther = list.find((c) => c.status !== 'PASSED');
    const decisive = firstFailed ?? firstOther;
    return {
      indication: firstFailed ? 'TOTAL-FAILED' : firstOther ? 'INDETERMINATE' : 'TOTAL-PASSED',
      subIndication: decisive?.subIndication,
      checks: list,
      chain: [],
      caRevocation: [],
      revocationEvidence: { ocspResponses: [], crls: [] },
      validatedAt: now,
      ...extra,
    };
  };

  const signer = findSigner(cms);
  if (!signer) {
    for (const name of CHECK_ORDER) {
      set(
        notPassed(
          name,
          'INDETERMINATE',
          'NO_SIGNING_CERTIFICATE_FOUND',
          'the signer certificate is not in the SignedData',
        ),
      );
    }
    return report();
  }

  // Signed attributes (CAdES needs them) and what they say.
  let attributes: Map<string, Buffer> | undefined;
  let signingTime: Date | undefined;
  try {
    attributes = cms.signedAttributesDer
      ? parseSignedAttributes(cms.signedAttributesDer)
      : undefined;
    const time = attributes?.get(Oid.signingTime);
    signingTime = time ? decodeTime(parseDer(time)) : undefined;
  } catch (error) {
    attributes = undefined;
    if (!(error instanceof PkiError)) {
      throw error;
    }
  }

  set(checkSignature(cms, signer, attributes));
  set(checkMessageDigest(attributes, cms, input.content));
  set(checkSigningCertificateV2(attributes, signer));

  const candidates = [...cms.certificates, ...intermediates];
  const chainOutcome = buildChain(signer, anchors, candidates);
  const chain = 'chain' in chainOutcome ? chainOutcome.chain : undefined;
  set(
    'chain' in chainOutcome
      ? passed('CHAIN', `${chainOutcome.chain.length} certificates up to a trust anchor`)
      : notPassed('CHAIN', 'FAILED', chainOutcome.subIndication, chainOutcome.reason),
  );

  set(checkValidity(chain ?? [signer], signingTime ?? now, now, config.clockSkewMs ?? 300_000));
  set(checkKeyUsage(signer));
  set(checkPolicy(signer, config.acceptedPolicies ?? [JPKI_SIGNING_POLICY_OID]));

  let revocation: RevocationResult | undefined;
  const caRevocation: RevocationResult[] = [];
  const isCryptoValid =
    checks.get('SIGNATURE')?.status === 'PASSED' &&
    checks.get('MESSAGE_DIGEST')?.status === 'PASSED';
  if (!chain || chain.length < 2) {
    set(notPassed('REVOCATION', 'INDETERMINATE', 'TRY_LATER', 'no issuer to ask: no chain'));
  } else if (!isCryptoValid) {
    set(
      notPassed('REVOCATION', 'INDETERMINATE', 'TRY_LATER', 'not asked: the signature is invalid'),
    );
  } else {
    try {
      revocation = await config.revocation.check(signer, chain[1]);
      set(revocationCheck(revocation));
      if (config.checkCaRevocation) {
        for (let i = 1; i < chain.length - 1; i++) {
          caRevocation.push(await config.revocation.check(chain[i], chain[i + 1]));
        }
        const ca = caRevocation.find((r) => r.status !== 'good');
        if (ca && (checks.get('REVOCATION')?.status === 'PASSED' || ca.status === 'revoked')) {
          const result = revocationCheck(ca);
          set({ ...result, reason: `CA certificate: ${result.reason}` });
        }
      }
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      set(
        notPassed(
          'REVOCATION',
          'INDETERMINATE',
          'TRY_LATER',
          `the revocation source failed: ${why}`,
        ),
      );
    }
  }

  let certifiedBasicFour: CertifiedBasicFour | undefined;
  try {
    certifiedBasicFour = extractCertifiedBasicFour(signer);
  } catch {
    certifiedBasicFour = undefined;
  }
  return report({
    signerCertificate: signer.der,
    certifiedBasicFour,
    signingTime,
    chain: (chain ?? []).map((c) => c.der),
    revocation,
    caRevocation,
    revocationEvidence: {
      ocspResponses: [revocation, ...caRevocation].flatMap((r) => r?.evidence.ocspResponses ?? []),
      crls: [revocation, ...caRevocation].flatMap((r) => r?.evidence.crls ?? []),
    },
  });
}

function checkSignature(
  cms: ParsedCms,
  signer: ParsedCertificate,
  attributes: Map<string, Buffer> | undefined,
): CheckResult {
  if (!cms.signedAttributesDer || !attributes) {
    return notPassed(
      'SIGNATURE',
      'FAILED',
      'FORMAT_FAILURE',
      'no readable signed attributes (CAdES)',
    );
  }
  const digest = hashByOid[cms.digestAlgorithm];
  if (!digest || digest === 'sha1') {
    return notPassed(
      'SIGNATURE',
      'FAILED',
      'CRYPTO_CONSTRAINTS_FAILURE',
      `digest algorithm ${cms.digestAlgorithm} is not accepted (SHA-256 or stronger)`,
    );
  }
  const algorithm = oidOf(children(cms.signatureAlgorithm)[0], 'signatureAlgorithm');
  const hash = algorithm === Oid.rsaEncryption ? digest : rsaSignatureHashByOid[algorithm];
  if (!hash || hash !== digest) {
    return notPassed(
      'SIGNATURE',
      'FAILED',
      'CRYPTO_CONSTRAINTS_FAILURE',
      `signature algorithm ${algorithm} is not accepted with ${digest}`,
    );
  }
  try {
    const key = signer.publicKey;
    if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      return notPassed(
        'SIGNATURE',
        'FAILED',
        'CRYPTO_CONSTRAINTS_FAILURE',
        'not an RSA key of 2048 bits or more',
      );
    }
    const isValid = verify(
      hash,
      cms.signedAttributesDer,
      { key, padding: constants.RSA_PKCS1_PADDING },
      cms.signature,
    );
    return isValid
      ? passed('SIGNATURE', 'RSASSA-PKCS1-v1_5 over the signed attributes verifies')
      : notPassed(
          'SIGNATURE',
          'FAILED',
          'SIG_CRYPTO_FAILURE',
          'the signature does not verify with the signer key',
        );
  } catch {
    return notPassed(
      'SIGNATURE',
      'FAILED',
      'SIG_CRYPTO_FAILURE',
      'the signature cannot be checked',
    );
  }
}

function checkMessageDigest(
  attributes: Map<string, Buffer> | undefined,
  cms: ParsedCms,
  content: Uint8Array,
): CheckResult {
  const type = attributes?.get(Oid.contentType);
  const digest = attributes?.get(Oid.messageDigest);
  const hash = hashByOid[cms.digestAlgorithm];
  if (!hash || hash === 'sha1') {
    return notPassed(
      'MESSAGE_DIGEST',
      'FAILED',
      'CRYPTO_CONSTRAINTS_FAILURE',
      `digest algorithm ${cms.digestAlgorithm} is not accepted`,
    );
  }
  if (!type || !digest) {
    return notPassed(
      'MESSAGE_DIGEST',
      'FAILED',
      'FORMAT_FAILURE',
      'content-type or message-digest missing',
    );
  }
  try {
    if (oidOf(parseDer(type), 'content-type') !== Oid.data) {
      return notPassed('MESSAGE_DIGEST', 'FAILED', 'FORMAT_FAILURE', 'content-type is not id-data');
    }
    const expected = createHash(hash).update(content).digest();
    return expectTag(parseDer(digest), Tag.OctetString, 'message-digest').content.equals(expected)
      ? passed('MESSAGE_DIGEST', 'message-digest is the hash of the expected document')
      : notPassed(
          'MESSAGE_DIGEST',
          'FAILED',
          'HASH_FAILURE',
          'message-digest is not the hash of the expected document',
        );
  } catch {
    return notPassed(
      'MESSAGE_DIGEST',
      'FAILED',
      'FORMAT_FAILURE',
      'unreadable content-type or message-digest',
    );
  }
}

function checkSigningCertificateV2(
  attributes: Map<string, Buffer> | undefined,
  signer: ParsedCertificate,
): CheckResult {
  const value = attributes?.get(Oid.signingCertificateV2);
  if (!value) {
    return notPassed(
      'SIGNING_CERTIFICATE_V2',
      'FAILED',
      'NO_SIGNING_CERTIFICATE_FOUND',
      'signing-certificate-v2 attribute absent (EN 319 122-1 §5.2.2.3)',
    );
  }
  try {
    const match = matchSigningCertificateV2(value, signer);
    return match.isMatch
      ? passed('SIGNING_CERTIFICATE_V2', match.reason)
      : notPassed('SIGNING_CERTIFICATE_V2', 'FAILED', 'NO_SIGNING_CERTIFICATE_FOUND', match.reason);
  } catch {
    return notPassed(
      'SIGNING_CERTIFICATE_V2',
      'FAILED',
      'FORMAT_FAILURE',
      'unreadable signing-certificate-v2',
    );
  }
}

function checkValidity(
  chain: ParsedCertificate[],
  signingTime: Date,
  now: Date,
  clockSkewMs: number,
): CheckResult {
  const name = 'VALIDITY_AT_SIGNING_TIME';
  if (signingTime.getTime() > now.getTime() + clockSkewMs) {
    return notPassed(name, 'FAILED', 'SIG_CONSTRAINTS_FAILURE', 'signing-time is in the future');
  }
  for (const [index, cert] of chain.entries()) {
    const who = index === 0 ? 'the signer certificate' : `CA certificate ${index}`;
    if (signingTime < cert.notBefore) {
      return notPassed(
        name,
        'FAILED',
        'NOT_YET_VALID',
        `${who} was not yet valid at signing time (from ${cert.notBefore.toISOString()})`,
      );
    }
    if (signingTime > cert.notAfter) {
      return notPassed(
        name,
        'FAILED',
        'EXPIRED',
        `${who} had expired at signing time (${cert.notAfter.toISOString()})`,
      );
    }
  }
  // EN 319 102-1 §5.2.6: B-B has no proof of existence before expiry, so an expired certificate cannot be relied on.
  if (now > chain[0].notAfter) {
    return notPassed(
      name,
      'INDETERMINATE',
      'OUT_OF_BOUNDS_NO_POE',
      'valid at the claimed signing time, expired now, and no time-stamp proves the signing time',
    );
  }
  return passed(name, `valid at signing time ${signingTime.toISOString()}`);
}

function checkKeyUsage(signer: ParsedCertificate): CheckResult {
  try {
    const usage = signer.keyUsage();
    return usage?.has(KeyUsageBit.nonRepudiation)
      ? passed(
          'KEY_USAGE',
          usage.has(KeyUsageBit.digitalSignature)
            ? 'nonRepudiation and digitalSignature'
            : 'nonRepudiation',
        )
      : notPassed(
          'KEY_USAGE',
          'FAILED',
          'SIG_CONSTRAINTS_FAILURE',
          'the signer certificate lacks nonRepudiation',
        );
  } catch {
    return notPassed('KEY_USAGE', 'FAILED', 'FORMAT_FAILURE', 'unreadable keyUsage');
  }
}

function checkPolicy(signer: ParsedCertificate, accepted: readonly string[]): CheckResult {
  try {
    const found = signer.policies().find((p) => accepted.includes(p));
    return found
      ? passed('POLICY', `certificate policy ${found}`)
      : notPassed(
          'POLICY',
          'FAILED',
          'CHAIN_CONSTRAINTS_FAILURE',
          `none of the accepted policies (${accepted.join(', ')})`,
        );
  } catch {
    return notPassed('POLICY', 'FAILED', 'FORMAT_FAILURE', 'unreadable certificatePolicies');
  }
}

function revocationCheck(result: RevocationResult): CheckResult {
  const tried = result.attempts.map((a) => `${a.source}: ${a.outcome} (${a.reason})`).join('; ');
  switch (result.status) {
    case 'good':
      return passed(
        'REVOCATION',
        `not revoked (${result.source}, next update ${result.nextUpdate?.toISOString()})`,
      );
    case 'revoked':
      return notPassed(
        'REVOCATION',
        'FAILED',
        'REVOKED',
        `revoked at ${result.revokedAt?.toISOString()} (${result.reason ?? 'unspecified'}; ${result.source})`,
      );
    case 'unknown':
    case 'unavailable':
      return notPassed(
        'REVOCATION',
        'INDETERMINATE',
        'TRY_LATER',
        `no usable revocation data: ${tried}`,
      );
  }
}
