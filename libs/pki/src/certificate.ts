import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import {
  children,
  decodeOtherNames,
  decodeTime,
  expectTag,
  oidOf,
  parseDer,
  Tag,
  type DerNode,
} from './der';
import { Oid } from './oids';
import { PkiError, PkiErrorCode } from './pki.error';

/** RFC 5280 §4.2.1.3 KeyUsage bit numbers. */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

const publicKeys = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 1000;
let nextId = 1;
const KNOWN_EXTENSIONS: ReadonlySet<string> = new Set([
  Oid.keyUsage,
  Oid.subjectAltName,
  Oid.basicConstraints,
  Oid.crlDistributionPoints,
  Oid.certificatePolicies,
  Oid.extKeyUsage,
  Oid.authorityInfoAccess,
  Oid.ocspNoCheck,
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.18', // issuerAltName
  '2.5.29.35', // authorityKeyIdentifier
]);
const parsedCertificates = new Map<string, ParsedCertificate>();
const MAX_CACHED_CERTIFICATES = 1000;

export interface CertificateExtension {
  isCritical: boolean;
  /** Content of extnValue. */
  value: Buffer;
}

/**
 * A parsed X.509 certificate: the raw slices our checks need (RFC 5280 §4.1), plus node's X509Certificate for the
 * public key and signature verification. Parsing is strict and throws PkiError(Malformed) only.
 */
export class ParsedCertificate {
  readonly tbs: Buffer;
  readonly serial: DerNode;
  readonly issuer: DerNode;
  readonly subject: DerNode;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: DerNode;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
  readonly extensions = new Map<string, CertificateExtension>();
  private x509?: X509Certificate;
  private sha256?: Buffer;
  private otherNamesMemo?: Map<string, string>;
  private ocspUrlsMemo?: string[];
  private keyMemo?: KeyObject;
  /** Unique per instance; instances are shared per DER (see parse), so this names a certificate in caches. */
  readonly id = nextId++;

  constructor(readonly der: Buffer) {
    const [tbs, algorithm, signature] = children(
      expectTag(parseDer(der), Tag.Sequence, 'Certificate'),
    );
    this.tbs = expectTag(tbs, Tag.Sequence, 'TBSCertificate').raw;
    this.signatureAlgorithm = oidOf(
      children(expectTag(algorithm, Tag.Sequence, 'signatureAlgorithm'))[0],
      'signature algorithm',
    );
    this.signature = bitStringBytes(expectTag(signature, Tag.BitString, 'signatureValue'));
    const fields = children(tbs);
    let i = fields[0]?.tag === 0xa0 ? 1 : 0;
    this.serial = expectTag(fields[i++], Tag.Integer, 'serialNumber');
    i++; // signature AlgorithmIdentifier, repeated from the outer one
    this.issuer = expectTag(fields[i++], Tag.Sequence, 'issuer');
    const validity = children(expectTag(fields[i++], Tag.Sequence, 'validity'));
    this.notBefore = decodeTime(validity[0]);
    this.notAfter = decodeTime(validity[1]);
    this.subject = expectTag(fields[i++], Tag.Sequence, 'subject');
    this.spki = expectTag(fields[i++], Tag.Sequence, 'subjectPublicKeyInfo');
    const extensions = fields.slice(i).find((f) => f.tag === 0xa3);
    if (extensions) {
      for (const ext of children(expectTag(children(extensions)[0], Tag.Sequence, 'Extensions'))) {
        const parts = children(expectTag(ext, Tag.Sequence, 'Extension'));
        const id = oidOf(parts[0], 'extnID');
        const isCritical = parts[1]?.tag === Tag.Boolean && parts[1].content[0] !== 0;
        const value = expectTag(parts[parts.length - 1], Tag.OctetString, 'extnValue').content;
        if (this.extensions.has(id)) {
          throw new PkiError(
            PkiErrorCode.Malformed,
            `extension ${id} appears twice (RFC 5280 §4.2)`,
          );
        }
        this.extensions.set(id, { isCritical, value });
      }
    }
  }

  /** Parses, or returns the instance already parsed from the same bytes (verifiers see the same CAs all day). */
  static parse(der: Uint8Array | ParsedCertificate): ParsedCertificate {
    if (der instanceof ParsedCertificate) {
      return der;
    }
    const bytes = Buffer.isBuffer(der) ? der : Buffer.from(der);
    // Keyed by the bytes themselves: a string key is cheaper than a hash, and exact.
    const id = bytes.toString('latin1');
    const cached = parsedCertificates.get(id);
    if (cached) {
      return cached;
    }
    try {
      const cert = new ParsedCertificate(Buffer.from(bytes));
      if (parsedCertificates.size >= MAX_CACHED_CERTIFICATES) {
        parsedCertificates.clear();
      }
      parsedCertificates.set(id, cert);
      return cert;
    } catch (error) {
      if (error instanceof PkiError) {
        throw error;
      }
      throw new PkiError(PkiErrorCode.Malformed, 'not a DER certificate');
    }
  }

  get x509Certificate(): X509Certificate {
    this.x509 ??= new X509Certificate(this.der);
    return this.x509;
  }

  /** From the SPKI, not through X509Certificate (which costs a full re-parse); cached per key. */
  get publicKey(): KeyObject {
    this.keyMemo ??= this.readPublicKey();
    return this.keyMemo;
  }

  private readPublicKey(): KeyObject {
    const id = this.spki.raw.toString('base64');
    let key = publicKeys.get(id);
    if (!key) {
      key = createPublicKey({ key: this.spki.raw, format: 'der', type: 'spki' });
      if (publicKeys.size >= MAX_CACHED_KEYS) {
        publicKeys.clear();
      }
      publicKeys.set(id, key);
    }
    return key;
  }

  /** Upper-case hex of the serial's content octets. */
  get serialHex(): string {
    return this.serial.content.toString('hex').toUpperCase();
  }

  get fingerprint256(): Buffer {
    this.sha256 ??= createHash('sha256').update(this.der).digest();
    return this.sha256;
  }

  /** The subjectPublicKey BIT STRING's bytes (RFC 6960 §4.1.1 issuerKeyHash input). */
  get publicKeyBits(): Buffer {
    return bitStringBytes(expectTag(children(this.spki)[1], Tag.BitString, 'subjectPublicKey'));
  }

  isSelfIssued(): boolean {
    return this.issuer.raw.equals(this.subject.raw);
  }

  isValidAt(at: Date): boolean {
    return at >= this.notBefore && at <= this.notAfter;
  }

  /** RFC 5280 §4.2.1.3; undefined when the certificate has no keyUsage extension. */
  keyUsage(): Set<number> | undefined {
    const ext = this.extensions.get(Oid.keyUsage);
    if (!ext) {
      return undefined;
    }
    const node = expectTag(parseDer(ext.value), Tag.BitString, 'KeyUsage');
    const bits = new Set<number>();
    const bytes = node.content.subarray(1);
    bytes.forEach((byte, index) => {
      for (let bit = 0; bit < 8; bit++) {
        if (byte & (0x80 >> bit)) {
          bits.add(index * 8 + bit);
        }
      }
    });
    return bits;
  }

  /** RFC 5280 §4.2.1.9. */
  isCa(): boolean {
    const ext = this.extensions.get(Oid.basicConstraints);
    if (!ext) {
      return false;
    }
    const [first] = children(expectTag(parseDer(ext.value), Tag.Sequence, 'BasicConstraints'));
    return first?.tag === Tag.Boolean && first.content[0] !== 0;
  }

  /** RFC 5280 §4.2.1.9 pathLenConstraint, when present. */
  pathLenConstraint(): number | undefined {
    const ext = this.extensions.get(Oid.basicConstraints);
    const fields = ext
      ? children(expectTag(parseDer(ext.value), Tag.Sequence, 'BasicConstraints'))
      : [];
    const length = fields.find((f) => f.tag === Tag.Integer);
    return length ? length.content.reduce((n, byte) => n * 256 + byte, 0) : undefined;
  }

  /** RFC 5280 §6.1.4 (o): critical extensions a path validator does not know make the certificate unusable. */
  unknownCriticalExtensions(): string[] {
    return [...this.extensions]
      .filter(([id, ext]) => ext.isCritical && !KNOWN_EXTENSIONS.has(id))
      .map(([id]) => id);
  }

  extendedKeyUsage(): string[] {
    const ext = this.extensions.get(Oid.extKeyUsage);
    return ext
      ? children(expectTag(parseDer(ext.value), Tag.Sequence, 'ExtKeyUsage')).map((n) =>
          oidOf(n, 'KeyPurposeId'),
        )
      : [];
  }

  /** RFC 5280 §4.2.1.4 policy identifiers. */
  policies(): string[] {
    const ext = this.extensions.get(Oid.certificatePolicies);
    return ext
      ? children(expectTag(parseDer(ext.value), Tag.Sequence, 'CertificatePolicies')).map((p) =>
          oidOf(children(expectTag(p, Tag.Sequence, 'PolicyInformation'))[0], 'policyIdentifier'),
        )
      : [];
  }

  /** RFC 5280 §4.2.2.1: the HTTP URIs of the OCSP access descriptions. */
  ocspUrls(): string[] {
    this.ocspUrlsMemo ??= this.readOcspUrls();
    return this.ocspUrlsMemo;
  }

  private readOcspUrls(): string[] {
    const ext = this.extensions.get(Oid.authorityInfoAccess);
    if (!ext) {
      return [];
    }
    return children(expectTag(parseDer(ext.value), Tag.Sequence, 'AuthorityInfoAccess'))
      .map((d) => children(expectTag(d, Tag.Sequence, 'AccessDescription')))
      .filter(([method]) => oidOf(method, 'accessMethod') === Oid.adOcsp)
      .map(([, location]) => location)
      .filter((location) => location?.tag === 0x86)
      .map((location) => location.content.toString('latin1'));
  }

  /** RFC 5280 §4.2.1.13: the URIs among the distribution points' full names. */
  crlUrls(): string[] {
    const ext = this.extensions.get(Oid.crlDistributionPoints);
    if (!ext) {
      return [];
    }
    const urls: string[] = [];
    for (const point of children(
      expectTag(parseDer(ext.value), Tag.Sequence, 'CRLDistributionPoints'),
    )) {
      const name = children(expectTag(point, Tag.Sequence, 'DistributionPoint')).find(
        (n) => n.tag === 0xa0,
      );
      const fullName = name && children(name).find((n) => n.tag === 0xa0);
      for (const general of fullName ? children(fullName) : []) {
        if (general.tag === 0x86) {
          urls.push(general.content.toString('latin1'));
        }
      }
    }
    return urls;
  }

  /** SAN otherNames `[0] { type-id, [0] EXPLICIT UTF8String }` as oid → string (RFC 5280 §4.2.1.6). */
  otherNames(): Map<string, string> {
    this.otherNamesMemo ??= this.readOtherNames();
    return this.otherNamesMemo;
  }

  private readOtherNames(): Map<string, string> {
    const ext = this.extensions.get(Oid.subjectAltName);
    return ext ? decodeOtherNames(ext.value) : new Map<string, string>();
  }

  /** True when `issuer`'s key signed this certificate and the names chain (RFC 5280 §6.1.3 (a)(1), (a)(4)). */
  isIssuedBy(issuer: ParsedCertificate): boolean {
    if (!this.issuer.raw.equals(issuer.subject.raw)) {
      return false;
    }
    try {
      return this.x509Certificate.verify(issuer.publicKey);
    } catch {
      return false;
    }
  }
}

export function bitStringBytes(node: DerNode): Buffer {
  if (node.content.length === 0 || node.content[0] > 7) {
    throw new PkiError(PkiErrorCode.Malformed, 'bad BIT STRING');
  }
  return node.content.subarray(1);
}
