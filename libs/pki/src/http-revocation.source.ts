import { constants, createHash, randomBytes, verify } from 'node:crypto';
import { bitStringBytes, ParsedCertificate } from './certificate';
import {
  children,
  decodeTime,
  derNull,
  expectTag,
  octetString,
  oid,
  oidOf,
  parseDer,
  sequence,
  Tag,
  tlv,
  type DerNode,
} from './der';
import { hashByOid, Oid, rsaSignatureHashByOid } from './oids';
import { PkiError } from './pki.error';
import {
  revocationReasonNames,
  type RevocationAttempt,
  type RevocationResult,
  type RevocationSource,
} from './revocation.source';

export interface HttpRevocationSourceOptions {
  /** Overrides the certificate's AIA OCSP URL. */
  ocspUrl?: string;
  /** Overrides the certificate's CRL distribution point. */
  crlUrl?: string;
  isOcspEnabled?: boolean;
  isCrlEnabled?: boolean;
  /** Per request; default 3 s. */
  timeoutMs?: number;
  /** Default 4 MiB (a CRL of a large CA); anything longer is refused. */
  maxResponseBytes?: number;
  /** Allowed clock difference with the responder for thisUpdate; default 5 minutes. */
  clockSkewMs?: number;
  /**
   * Keep answers until their nextUpdate (default). A re-check of a certificate's current status (現況確認) turns it
   * off: a revocation since the last answer must show at once, not after nextUpdate.
   */
  isCacheUsed?: boolean;
  now?: () => Date;
}

interface Cached {
  result: RevocationResult;
  until: number;
}

interface ParsedCrl {
  der: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: Map<string, { at: Date; reason?: string }>;
}

const NONCE_BYTES = 16;
const MAX_CACHE_ENTRIES = 10_000;

class Rejected extends Error {}
const reject = (message: string): never => {
  throw new Rejected(message);
};

/**
 * Revocation by OCSP (RFC 6960) with the CRL (RFC 5280 §5) as fallback, over HTTP with short time-outs. Answers are
 * checked (signature, responder authorisation, nonce, freshness) and cached until their nextUpdate. When nothing
 * usable is obtained the status is `unavailable`, never `good`.
 */
export class HttpRevocationSource implements RevocationSource {
  private readonly ocspCache = new Map<string, Cached>();
  private readonly crlCache = new Map<string, { crl: ParsedCrl; until: number }>();
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly clockSkewMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: HttpRevocationSourceOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.maxResponseBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
    this.clockSkewMs = options.clockSkewMs ?? 5 * 60_000;
    this.now = options.now ?? (() => new Date());
  }

  async check(
    certificate: Uint8Array | ParsedCertificate,
    issuer: Uint8Array | ParsedCertificate,
  ): Promise<RevocationResult> {
    const cert = ParsedCertificate.parse(certificate);
    const ca = ParsedCertificate.parse(issuer);
    const attempts: RevocationAttempt[] = [];
    if (this.options.isOcspEnabled ?? true) {
      const result = await this.checkOcsp(cert, ca, attempts);
      if (result && result.status !== 'unknown') {
        return result;
      }
    }
    if (this.options.isCrlEnabled ?? true) {
      const result = await this.checkCrl(cert, ca, attempts);
      if (result) {
        return result;
      }
    }
    return { status: 'unavailable', evidence: { ocspResponses: [], crls: [] }, attempts };
  }

  private async checkOcsp(
    cert: ParsedCertificate,
    ca: ParsedCertificate,
    attempts: RevocationAttempt[],
  ): Promise<RevocationResult | undefined> {
    const url = this.options.ocspUrl ?? cert.ocspUrls().find((u) => /^https?:\/\//.test(u));
    if (!url) {
      attempts.push({ source: 'ocsp', outcome: 'unreachable', reason: 'no OCSP URL' });
      return undefined;
    }
    const key = `${ca.id}:${cert.id}`;
    const cached = this.ocspCache.get(key);
    if (cached && cached.until > this.now().getTime()) {
      attempts.push({ source: 'ocsp', url, outcome: 'cached', reason: 'cached until nextUpdate' });
      return { ...cached.result, attempts: [...attempts] };
    }
    const nonce = randomBytes(NONCE_BYTES);
    const certId = sequence(
      sequence(oid(Oid.sha1), derNull()),
      octetString(createHash('sha1').update(cert.issuer.raw).digest()),
      octetString(createHash('sha1').update(ca.publicKeyBits).digest()),
      cert.serial.raw,
    );
    // RFC 6960 §4.1.1 with the nonce extension of §4.4.1 (RFC 8954: an OCTET STRING of 1–32 octets).
    const nonceValue = octetString(nonce);
    const request = sequence(
      sequence(
        sequence(sequence(certId)),
        tlv(0xa2, sequence(sequence(oid(Oid.ocspNonce), octetString(nonceValue)))),
      ),
    );
    let body: Buffer;
    try {
      body = await this.fetchBytes(url, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request' },
        body: request,
      });
    } catch (error) {
      attempts.push({ source: 'ocsp', url, outcome: 'unreachable', reason: describe(error) });
      return undefined;
    }
    try {
      const answer = this.readOcspResponse(body, ca, certId, nonceValue);
      const result: RevocationResult = {
        ...answer,
        source: 'ocsp',
        evidence: { ocspResponses: [body], crls: [] },
        attempts: [...attempts, { source: 'ocsp', url, outcome: 'used', reason: answer.status }],
      };
      if (answer.nextUpdate && answer.status !== 'unknown') {
        this.remember(this.ocspCache, key, { result, until: answer.nextUpdate.getTime() });
      }
      attempts.push(result.attempts[result.attempts.length - 1]);
      return result;
    } catch (error) {
      attempts.push({ source: 'ocsp', url, outcome: 'rejected', reason: rejection(error) });
      return undefined;
    }
  }

  private readOcspResponse(
    der: Buffer,
    ca: ParsedCertificate,
    certId: Buffer,
    nonceValue: Buffer,
  ): Pick<RevocationResult, 'status' | 'revokedAt' | 'reason' | 'thisUpdate' | 'nextUpdate'> {
    const [status, bytes] = children(expectTag(parseDer(der), Tag.Sequence, 'OCSPResponse'));
    const code = expectTag(status, Tag.Enumerated, 'responseStatus').content[0];
    if (code !== 0) {
      reject(`the responder answered status ${code} (RFC 6960 §4.2.1), not successful`);
    }
    const [type, octets] = children(
      expectTag(
        children(expectTag(bytes, 0xa0, 'responseBytes'))[0],
        Tag.Sequence,
        'ResponseBytes',
      ),
    );
    if (oidOf(type, 'responseType') !== Oid.ocspBasic) {
      reject('not a basic OCSP response');
    }
    const basic = parseDer(expectTag(octets, Tag.OctetString, 'response').content);
    const [tbs, algorithm, signature, certsField] = children(
      expectTag(basic, Tag.Sequence, 'BasicOCSPResponse'),
    );
    const fields = children(expectTag(tbs, Tag.Sequence, 'ResponseData'));
    let i = fields[0]?.tag === 0xa0 ? 1 : 0;
    const responderId = fields[i++];
    i++; // producedAt
    const responses = children(expectTag(fields[i++], Tag.Sequence, 'responses'));
    const extensions = fields.slice(i).find((f) => f.tag === 0xa1);

    // RFC 6960 §4.2.2.2: the CA itself, or a responder the CA issued with id-kp-OCSPSigning.
    const embedded = certsField
      ? children(children(expectTag(certsField, 0xa0, 'certs'))[0]).map((c) =>
          ParsedCertificate.parse(c.raw),
        )
      : [];
    const responder = [ca, ...embedded].find((c) => isResponderId(responderId, c));
    if (!responder) {
      return reject('the responder certificate is not in the response and is not the CA');
    }
    const now = this.now();
    if (responder !== ca && !responder.der.equals(ca.der)) {
      if (!responder.isIssuedBy(ca)) {
        reject(
          'unauthorised responder: its certificate was not issued by the CA (RFC 6960 §4.2.2.2)',
        );
      }
      if (!responder.extendedKeyUsage().includes(Oid.kpOcspSigning)) {
        reject('unauthorised responder: no id-kp-OCSPSigning (RFC 6960 §4.2.2.2)');
      }
      if (!responder.isValidAt(now)) {
        reject('the responder certificate is not valid now');
      }
    }
    const signatureAlgorithm = oidOf(children(expectTag(algorithm, Tag.Sequence, 'alg'))[0], 'alg');
    const hash = rsaSignatureHashByOid[signatureAlgorithm];
    if (!hash) {
      reject(`signature algorithm ${signatureAlgorithm} is not accepted`);
    }
    const isSigned = verify(
      hash,
      tbs.raw,
      { key: responder.publicKey, padding: constants.RSA_PKCS1_PADDING },
      bitStringBytes(expectTag(signature, Tag.BitString, 'signature')),
    );
    if (!isSigned) {
      reject('the OCSP response signature does not verify');
    }
    // RFC 6960 §4.4.1 / RFC 8954: our nonce must come back unchanged.
    const nonce = extensions
      ? children(children(extensions)[0])
          .map((e) => children(e))
          .find((parts) => oidOf(parts[0], 'extnID') === Oid.ocspNonce)
      : undefined;
    const echoed = nonce?.[nonce.length - 1]?.content;
    if (!echoed?.equals(nonceValue)) {
      reject(echoed ? 'the nonce does not match the request' : 'the response carries no nonce');
    }
    const ours = parseDer(certId);
    const single = responses
      .map((r) => children(expectTag(r, Tag.Sequence, 'SingleResponse')))
      .find(([id]) => sameCertId(id, ours));
    if (!single) {
      return reject('the response is not about this certificate');
    }
    const [, certStatus, thisUpdateNode, ...rest] = single;
    const thisUpdate = decodeTime(thisUpdateNode);
    const nextUpdateNode = rest.find((n) => n.tag === 0xa0);
    const nextUpdate = nextUpdateNode ? decodeTime(children(nextUpdateNode)[0]) : undefined;
    if (thisUpdate.getTime() > now.getTime() + this.clockSkewMs) {
      reject('thisUpdate is in the future');
    }
    if (!nextUpdate || nextUpdate < now) {
      reject(
        nextUpdate ? 'the response is stale (nextUpdate passed)' : 'the response has no nextUpdate',
      );
    }
    switch (certStatus.tag) {
      case 0x80:
        return { status: 'good', thisUpdate, nextUpdate };
      case 0xa1: {
        const [time, reasonField] = children(certStatus);
        const reasonCode = reasonField ? children(reasonField)[0]?.content[0] : 0;
        return {
          status: 'revoked',
          revokedAt: decodeTime(time),
          reason: revocationReasonNames[reasonCode ?? 0] ?? `reason ${reasonCode}`,
          thisUpdate,
          nextUpdate,
        };
      }
      case 0x82:
        return { status: 'unknown', thisUpdate, nextUpdate };
      default:
        return reject('unknown certStatus');
    }
  }

  private async checkCrl(
    cert: ParsedCertificate,
    ca: ParsedCertificate,
    attempts: RevocationAttempt[],
  ): Promise<RevocationResult | undefined> {
    const url = this.options.crlUrl ?? cert.crlUrls().find((u) => /^https?:\/\//.test(u));
    if (!url) {
      attempts.push({ source: 'crl', outcome: 'unreachable', reason: 'no CRL distribution point' });
      return undefined;
    }
    const now = this.now();
    const key = `${ca.fingerprint256.toString('hex')}:${url}`;
    let crl = this.crlCache.get(key);
    if (crl && crl.until > now.getTime()) {
      attempts.push({ source: 'crl', url, outcome: 'cached', reason: 'cached until nextUpdate' });
    } else {
      let body: Buffer;
      try {
        body = await this.fetchBytes(url, { method: 'GET' });
      } catch (error) {
        attempts.push({ source: 'crl', url, outcome: 'unreachable', reason: describe(error) });
        return undefined;
      }
      try {
        const parsed = this.readCrl(body, ca, now);
        crl = { crl: parsed, until: parsed.nextUpdate.getTime() };
        this.remember(this.crlCache, key, crl);
        attempts.push({
          source: 'crl',
          url,
          outcome: 'used',
          reason: 'signature and dates checked',
        });
      } catch (error) {
        attempts.push({ source: 'crl', url, outcome: 'rejected', reason: rejection(error) });
        return undefined;
      }
    }
    const entry = crl.crl.revoked.get(cert.serialHex);
    return {
      status: entry ? 'revoked' : 'good',
      source: 'crl',
      revokedAt: entry?.at,
      reason: entry ? (entry.reason ?? 'unspecified') : undefined,
      thisUpdate: crl.crl.thisUpdate,
      nextUpdate: crl.crl.nextUpdate,
      evidence: { ocspResponses: [], crls: [crl.crl.der] },
      attempts,
    };
  }

  /** RFC 5280 §5.1 and §6.3.3: issuer name, signature by the CA, thisUpdate/nextUpdate. */
  private readCrl(der: Buffer, ca: ParsedCertificate, now: Date): ParsedCrl {
    const [tbs, algorithm, signature] = children(
      expectTag(parseDer(der), Tag.Sequence, 'CertificateList'),
    );
    const fields = children(expectTag(tbs, Tag.Sequence, 'TBSCertList'));
    let i = fields[0]?.tag === Tag.Integer ? 1 : 0;
    i++; // signature AlgorithmIdentifier
    const issuer = expectTag(fields[i++], Tag.Sequence, 'issuer');
    const thisUpdate = decodeTime(fields[i++]);
    const nextUpdate =
      fields[i]?.tag === Tag.UtcTime || fields[i]?.tag === Tag.GeneralizedTime
        ? decodeTime(fields[i++])
        : undefined;
    const revokedList = fields[i]?.tag === Tag.Sequence ? children(fields[i]) : [];
    if (!issuer.raw.equals(ca.subject.raw)) {
      reject('the CRL was not issued by the certificate issuer');
    }
    const signatureAlgorithm = oidOf(children(expectTag(algorithm, Tag.Sequence, 'alg'))[0], 'alg');
    const hash = rsaSignatureHashByOid[signatureAlgorithm];
    if (!hash) {
      reject(`CRL signature algorithm ${signatureAlgorithm} is not accepted`);
    }
    const isSigned = verify(
      hash,
      tbs.raw,
      { key: ca.publicKey, padding: constants.RSA_PKCS1_PADDING },
      bitStringBytes(expectTag(signature, Tag.BitString, 'signature')),
    );
    if (!isSigned) {
      reject('the CRL signature does not verify with the CA key');
    }
    if (thisUpdate.getTime() > now.getTime() + this.clockSkewMs) {
      reject('the CRL thisUpdate is in the future');
    }
    if (!nextUpdate || nextUpdate < now) {
      reject(nextUpdate ? 'the CRL is stale (nextUpdate passed)' : 'the CRL has no nextUpdate');
    }
    const revoked = new Map<string, { at: Date; reason?: string }>();
    for (const entry of revokedList) {
      const [serial, date, entryExtensions] = children(expectTag(entry, Tag.Sequence, 'revoked'));
      let reason: string | undefined;
      for (const ext of entryExtensions ? children(entryExtensions) : []) {
        const parts = children(ext);
        if (oidOf(parts[0], 'extnID') === Oid.crlReason) {
          const code = parseDer(parts[parts.length - 1].content).content[0];
          reason = revocationReasonNames[code] ?? `reason ${code}`;
        }
      }
      revoked.set(
        expectTag(serial, Tag.Integer, 'userCertificate').content.toString('hex').toUpperCase(),
        {
          at: decodeTime(date),
          reason,
        },
      );
    }
    return { der, thisUpdate, nextUpdate: nextUpdate!, revoked };
  }

  private async fetchBytes(url: string, init: RequestInit): Promise<Buffer> {
    // No redirects: the URL is the one the CA certified (or configured), not wherever a server points.
    const response = await fetch(url, {
      ...init,
      redirect: 'error',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) {
      throw new Rejected(`HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > this.maxResponseBytes) {
      throw new Rejected('response too large');
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > this.maxResponseBytes) {
      throw new Rejected('response too large');
    }
    return body;
  }

  private remember<T>(cache: Map<string, T>, key: string, value: T): void {
    if (this.options.isCacheUsed === false) {
      return;
    }
    if (cache.size >= MAX_CACHE_ENTRIES) {
      cache.clear();
    }
    cache.set(key, value);
  }
}

/** RFC 6960 §4.2.1 ResponderID: byName [1] Name, byKey [2] SHA-1 of the subjectPublicKey bits. */
function isResponderId(id: DerNode | undefined, cert: ParsedCertificate): boolean {
  if (id?.tag === 0xa1) {
    return children(id)[0]?.raw.equals(cert.subject.raw) ?? false;
  }
  if (id?.tag === 0xa2) {
    const hash = expectTag(children(id)[0], Tag.OctetString, 'KeyHash').content;
    return createHash('sha1').update(cert.publicKeyBits).digest().equals(hash);
  }
  return false;
}

/** CertIDs match on algorithm, both hashes and serial (parameters NULL or absent alike). */
function sameCertId(a: DerNode, b: DerNode): boolean {
  const [algA, nameA, keyA, serialA] = children(expectTag(a, Tag.Sequence, 'CertID'));
  const [algB, nameB, keyB, serialB] = children(b);
  const hashA = hashByOid[oidOf(children(algA)[0], 'hashAlgorithm')];
  const hashB = hashByOid[oidOf(children(algB)[0], 'hashAlgorithm')];
  return (
    hashA !== undefined &&
    hashA === hashB &&
    nameA.raw.equals(nameB.raw) &&
    keyA.raw.equals(keyB.raw) &&
    serialA.raw.equals(serialB.raw)
  );
}

/** Bad answers of any shape (a key of another type, odd DER) are rejections, never exceptions to the caller. */
function rejection(error: unknown): string {
  return error instanceof Rejected || error instanceof PkiError
    ? error.message
    : `unreadable answer (${describe(error)})`;
}

function describe(error: unknown): string {
  // Not `instanceof Error`: fetch's DOMException may come from another realm.
  const e = (error ?? {}) as { name?: string; message?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError') {
    return 'timed out';
  }
  const message = e.message ?? String(error);
  return e.cause?.code ? `${message} (${e.cause.code})` : message;
}
