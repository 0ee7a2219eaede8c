import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  randomInt,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { buildCrl } from './crl.builder';
import { der } from '@madoguchi/pki';
import {
  assertBasicFour,
  encodeBasicFourSubjectAltName,
  fifthBirthdayAfter,
  JpkiPolicyOid,
  JpkiProfileError,
  JpkiProfileErrorCode,
  romanisedPrefecture,
  type BasicFour,
} from './jpki-certificate-profile';
import { JlisError, JlisErrorCode } from './jlis.error';
import { startJlisHttpServer, type JlisHttpServer } from './jlis-http.server';
import {
  JlisStateStore,
  type AuthorityName,
  type CaStateFile,
  type CertificateKind,
  type IndexFile,
  type IssuedCertificateRecord,
} from './jlis-state.store';
import {
  answerOcsp,
  ocspStatusOnly,
  type OcspAuthority,
  type OcspCertStatus,
} from './ocsp.responder';
import { parseRevocationReason, type RevocationReason } from './revocation-reason';
import {
  authorityInfoAccess,
  authorityKeyIdentifier,
  basicConstraintsCa,
  buildCertificate,
  certificateParts,
  certificatePolicies,
  crlDistributionPoint,
  encodeName,
  extendedKeyUsage,
  extension,
  GeneralName,
  generalNames,
  keyIdentifier,
  keyUsage,
  KeyUsageBit,
  Oid,
  publicKeyBits,
  subjectKeyIdentifier,
  toPem,
  type DistinguishedName,
  type Extension,
} from './x509';

const { normaliseSerialHex } = der;

const generateRsaKeyPair = promisify(generateKeyPair);

// JPKI.md §4.1 with every name marked as a test: O=JPKI-TEST (as J-LIS's own test cards), "TEST" and "Simulated"
// in the OUs, so that nothing here can be mistaken for the real J-LIS.
const SIMULATED_JLIS_OU =
  'Simulated Japan Agency for Local Authority Information Systems (madoguchi test)';
export const JlisNames = {
  root: [
    ['C', 'JP'],
    ['O', 'JPKI-TEST'],
    ['OU', 'TEST JPKI Root CA'],
    ['OU', SIMULATED_JLIS_OU],
  ],
  signCa: [
    ['C', 'JP'],
    ['O', 'JPKI-TEST'],
    ['OU', 'TEST JPKI for digital signature'],
    ['OU', SIMULATED_JLIS_OU],
  ],
  authCa: [
    ['C', 'JP'],
    ['O', 'JPKI-TEST'],
    ['OU', 'TEST JPKI for user authentication'],
    ['OU', SIMULATED_JLIS_OU],
  ],
  /** JPKI.md §4.1: the SAN / issuerAltName DirName `C=JP, O=公的個人認証サービス`, marked as a test. */
  serviceAltName: [
    ['C', 'JP'],
    ['O', '公的個人認証サービス（テスト）'],
  ],
} satisfies Record<string, DistinguishedName>;

const ocspResponderName = (ca: DistinguishedName): DistinguishedName => [
  ...ca,
  ['CN', 'TEST OCSP Responder'],
];

/** The city is not romanised from the address (that needs a gazetteer): every certificate gets this test value. */
export const TEST_CITY_LOCALITY = 'Madoguchi-test-shi';
/** Used when the address does not start with one of the 47 prefectures. */
export const TEST_PREFECTURE_LOCALITY = 'Test-ken';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:3002';
const DAY_MS = 86_400_000;
const CA_YEARS = 20;
const RESPONDER_YEARS = 10;
const CRL_VALIDITY_MS = DAY_MS;
const OCSP_VALIDITY_MS = 3_600_000;

export interface SimulatedJlisOptions {
  /**
   * Where this J-LIS is reachable: the CRL DP, AIA and CPS URIs of the certificates it issues start with it. When
   * omitted, the URL the directory was created with (default `http://127.0.0.1:3002`).
   */
  baseUrl?: string;
  now?: () => Date;
}

export interface IssueCardRequest extends BasicFour {
  /** SubjectPublicKeyInfo DER of the card's signing key (RSA-2048). */
  signPublicKey: Buffer;
  authPublicKey: Buffer;
  issuedAt?: Date;
}

export interface IssuedCard {
  signCert: Buffer;
  signCa: Buffer;
  authCert: Buffer;
  authCa: Buffer;
  signSerial: string;
  authSerial: string;
}

export interface JlisTrustAnchors {
  /** The self-signed test root: the only certificate a verifier should trust outright. */
  root: Buffer;
  /** Intermediates, issued by the root: the signing CA and the authentication CA. */
  signCa: Buffer;
  authCa: Buffer;
  /** Delegated OCSP responders (id-kp-OCSPSigning, id-pkix-ocsp-nocheck). */
  signOcspResponder: Buffer;
  authOcspResponder: Buffer;
  /** root + signCa, PEM: what a signature verifier needs (`openssl verify -CAfile`). */
  signChainPem: string;
  authChainPem: string;
}

export type CrlKind = CertificateKind | 'root';
const crlAuthority: Record<CrlKind, AuthorityName> = {
  sign: 'signCa',
  auth: 'authCa',
  root: 'root',
};

export type CaCertificateFile = 'root' | 'sign-ca' | 'auth-ca' | 'sign-ocsp' | 'auth-ocsp';
const caFileAuthority: Record<CaCertificateFile, AuthorityName> = {
  root: 'root',
  'sign-ca': 'signCa',
  'auth-ca': 'authCa',
  'sign-ocsp': 'signOcsp',
  'auth-ocsp': 'authOcsp',
};

interface Authority {
  key: KeyObject;
  cert: Buffer;
  subject: Buffer;
  keyId: Buffer;
  keyBits: Buffer;
}

/**
 * A stand-in for J-LIS (地方公共団体情報システム機構) for tests and the embedded default: a test CA hierarchy that
 * issues JPKI-profile certificates (JPKI.md §4) and answers revocation queries by CRL and OCSP. Its state (keys,
 * certificates, the index of issued serials and revocations) lives in a directory.
 */
export class SimulatedJlis {
  private constructor(
    private readonly store: JlisStateStore,
    private readonly authorities: Record<AuthorityName, Authority>,
    private readonly baseUrl: string,
    private readonly now: () => Date,
  ) {}

  static async open(dir: string, options: SimulatedJlisOptions = {}): Promise<SimulatedJlis> {
    const store = new JlisStateStore(dir);
    const now = options.now ?? (() => new Date());
    const state = await store.withLock(async () => {
      const existing = await store.readCa();
      if (existing) {
        return existing;
      }
      const created = await createHierarchy(
        (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
        now(),
      );
      await store.writeCa(created);
      for (const [file, name] of Object.entries(caFileAuthority)) {
        await store.writeFile(
          `ca/${file}.cer`,
          Buffer.from(created.authorities[name].cert, 'base64'),
        );
      }
      return created;
    });
    const authorities = Object.fromEntries(
      Object.entries(state.authorities).map(([name, record]) => [name, toAuthority(record)]),
    ) as Record<AuthorityName, Authority>;
    const baseUrl = (options.baseUrl ?? state.baseUrl).replace(/\/+$/, '');
    return new SimulatedJlis(store, authorities, baseUrl, now);
  }

  get dir(): string {
    return this.store.dir;
  }

  async issueCard(request: IssueCardRequest): Promise<IssuedCard> {
    assertBasicFour(request);
    const signPublicKey = normaliseRsaPublicKey(request.signPublicKey, 'signPublicKey');
    const authPublicKey = normaliseRsaPublicKey(request.authPublicKey, 'authPublicKey');
    const issuedAt = request.issuedAt ?? this.now();
    if (request.birthdate > issuedAt.toISOString().slice(0, 10).replace(/-/g, '')) {
      throw new JpkiProfileError(JpkiProfileErrorCode.BadValue, 'birth date after the issue date');
    }
    const notAfter = fifthBirthdayAfter(issuedAt, request.birthdate);
    const cardId = randomBytes(8).toString('hex').toUpperCase();
    const signSerial = newSerial();
    const authSerial = newSerial();
    const signCn = opaqueCn(issuedAt);
    const authCn = opaqueCn(issuedAt);

    // JPKI.md §4.2: C, L=prefecture, L=city, CN=opaque id; the name is in the SAN, not the subject.
    const signSubject: DistinguishedName = [
      ['C', 'JP'],
      ['L', romanisedPrefecture(request.address) ?? TEST_PREFECTURE_LOCALITY],
      ['L', TEST_CITY_LOCALITY],
      ['CN', signCn],
    ];
    const signCa = this.authorities.signCa;
    const signCert = buildCertificate(
      {
        serial: Buffer.from(signSerial, 'hex'),
        issuer: signCa.subject,
        subject: encodeName(signSubject),
        notBefore: issuedAt,
        notAfter,
        publicKey: signPublicKey,
        extensions: [
          extension(
            Oid.keyUsage,
            true,
            keyUsage([KeyUsageBit.digitalSignature, KeyUsageBit.nonRepudiation]),
          ),
          extension(
            Oid.certificatePolicies,
            true,
            certificatePolicies(JpkiPolicyOid.testSigning, `${this.baseUrl}/cps`),
          ),
          extension(Oid.subjectAltName, false, encodeBasicFourSubjectAltName(request)),
          ...this.endEntityCommonExtensions('sign', signPublicKey),
        ],
      },
      signCa.key,
    );

    // JPKI.md §4.3: no personal details at all.
    const authCa = this.authorities.authCa;
    const authCert = buildCertificate(
      {
        serial: Buffer.from(authSerial, 'hex'),
        issuer: authCa.subject,
        subject: encodeName([
          ['C', 'JP'],
          ['CN', authCn],
        ]),
        notBefore: issuedAt,
        notAfter,
        publicKey: authPublicKey,
        extensions: [
          extension(Oid.keyUsage, true, keyUsage([KeyUsageBit.digitalSignature])),
          extension(
            Oid.certificatePolicies,
            true,
            certificatePolicies(JpkiPolicyOid.authentication, `${this.baseUrl}/cps`),
          ),
          ...this.endEntityCommonExtensions('auth', authPublicKey),
        ],
      },
      authCa.key,
    );

    const record = (
      kind: CertificateKind,
      serial: string,
      subjectCn: string,
    ): IssuedCertificateRecord => ({
      serial,
      kind,
      subjectCn,
      cardId,
      issuedAt: issuedAt.toISOString(),
      notBefore: issuedAt.toISOString(),
      notAfter: notAfter.toISOString(),
    });
    await this.store.updateIndex((index) => {
      index.certificates.push(
        record('sign', signSerial, signCn),
        record('auth', authSerial, authCn),
      );
    });
    return {
      signCert,
      signCa: signCa.cert,
      authCert,
      authCa: authCa.cert,
      signSerial,
      authSerial,
    };
  }

  private endEntityCommonExtensions(kind: CertificateKind, publicKey: Buffer): Extension[] {
    const ca = kind === 'sign' ? this.authorities.signCa : this.authorities.authCa;
    return [
      extension(
        Oid.issuerAltName,
        false,
        generalNames(GeneralName.directoryName(JlisNames.serviceAltName)),
      ),
      // Deviation from JPKI.md §4.2: real JPKI names a DirName distribution point reachable only by registered
      // verifiers; the simulated J-LIS publishes its CRL over HTTP.
      extension(
        Oid.crlDistributionPoints,
        false,
        crlDistributionPoint(`${this.baseUrl}/crl/${kind}.crl`),
      ),
      extension(
        Oid.authorityInfoAccess,
        false,
        authorityInfoAccess(`${this.baseUrl}/ocsp`, `${this.baseUrl}/ca/${kind}-ca.cer`),
      ),
      extension(Oid.authorityKeyIdentifier, false, authorityKeyIdentifier(ca.keyId)),
      extension(Oid.subjectKeyIdentifier, false, subjectKeyIdentifier(keyIdentifier(publicKey))),
    ];
  }

  /** Revokes an issued certificate for good; `serial` is hex (case, colons and leading zeros do not matter). */
  async revoke(serial: string, reason: RevocationReason): Promise<IssuedCertificateRecord> {
    const checkedReason = parseRevocationReason(reason);
    const wanted = checkSerial(serial);
    const at = this.now();
    return this.store.updateIndex((index) => {
      const entry = index.certificates.find((c) => c.serial === wanted);
      if (!entry) {
        throw new JlisError(
          JlisErrorCode.UnknownSerial,
          `no certificate ${wanted} was issued here`,
        );
      }
      if (entry.revocation) {
        throw new JlisError(
          JlisErrorCode.AlreadyRevoked,
          `certificate ${wanted} was revoked at ${entry.revocation.at} (${entry.revocation.reason})`,
        );
      }
      entry.revocation = { at: at.toISOString(), reason: checkedReason };
      return { ...entry };
    });
  }

  /** Revokes the certificate given as DER, after checking its serial was issued here. */
  async revokeCertificate(der: Buffer, reason: RevocationReason): Promise<IssuedCertificateRecord> {
    let serial: string;
    try {
      serial = certificateParts(der).serial.content.toString('hex');
    } catch {
      throw new JlisError(JlisErrorCode.BadSerial, 'not a DER certificate');
    }
    return this.revoke(serial, reason);
  }

  async list(): Promise<IssuedCertificateRecord[]> {
    return (await this.store.readIndex()).certificates;
  }

  async statusOf(serial: string): Promise<OcspCertStatus> {
    const wanted = checkSerial(serial);
    const index = await this.store.readIndex();
    return statusIn(index, wanted);
  }

  trustAnchors(): JlisTrustAnchors {
    const a = this.authorities;
    return {
      root: a.root.cert,
      signCa: a.signCa.cert,
      authCa: a.authCa.cert,
      signOcspResponder: a.signOcsp.cert,
      authOcspResponder: a.authOcsp.cert,
      signChainPem: toPem(a.signCa.cert) + toPem(a.root.cert),
      authChainPem: toPem(a.authCa.cert) + toPem(a.root.cert),
    };
  }

  caCertificate(file: CaCertificateFile): Buffer {
    return this.authorities[caFileAuthority[file]].cert;
  }

  /**
   * A freshly signed CRL, from the index on disk at this moment: of the signing CA, the authentication CA, or the
   * root's (an ARL for the two CAs; empty, as this J-LIS never revokes its CAs, but path validators such as pkijs
   * want revocation data for every certificate in the path).
   */
  async crl(kind: CrlKind): Promise<Buffer> {
    const ca = this.authorities[crlAuthority[kind]];
    const index = await this.store.readIndex();
    const thisUpdate = this.now();
    return buildCrl({
      issuerName: ca.subject,
      issuerKeyId: ca.keyId,
      issuerKey: ca.key,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + CRL_VALIDITY_MS),
      // RFC 5280 §5.2.3: monotonically increasing; CRLs are made on demand, so the clock serves as the counter.
      crlNumber: BigInt(Date.now()),
      revoked: index.certificates
        .filter((c) => c.kind === kind && c.revocation)
        .map((c) => ({
          serial: c.serial,
          at: new Date(c.revocation!.at),
          reason: c.revocation!.reason,
        })),
    });
  }

  /** RFC 6960 responder; any bad input is answered (malformedRequest, unauthorized, internalError), never thrown. */
  async respondOcsp(requestDer: Buffer): Promise<Buffer> {
    try {
      const index = await this.store.readIndex();
      const authority = (
        ca: Authority,
        responder: Authority,
        kind: CertificateKind,
      ): OcspAuthority => ({
        caSubject: ca.subject,
        caKeyBits: ca.keyBits,
        responderCert: responder.cert,
        responderKey: responder.key,
        responderKeyHash: createHash('sha1').update(responder.keyBits).digest(),
        statusOf: (serial) => statusIn(index, serial, kind),
      });
      const a = this.authorities;
      return answerOcsp(
        requestDer,
        [authority(a.signCa, a.signOcsp, 'sign'), authority(a.authCa, a.authOcsp, 'auth')],
        { now: this.now(), validityMs: OCSP_VALIDITY_MS },
      );
    } catch {
      return ocspStatusOnly('internalError');
    }
  }

  /** Serves GET /crl/{sign,auth,root}.crl, POST /ocsp, GET /ocsp/{base64}, GET /ca/*.cer on host:port (0 = any port). */
  listen(port: number, host = '127.0.0.1'): Promise<JlisHttpServer> {
    return startJlisHttpServer(this, port, host);
  }
}

function statusIn(index: IndexFile, serial: string, kind?: CertificateKind): OcspCertStatus {
  const entry = index.certificates.find((c) => c.serial === serial && (!kind || c.kind === kind));
  if (!entry) {
    return { status: 'unknown' };
  }
  if (entry.revocation) {
    return {
      status: 'revoked',
      at: new Date(entry.revocation.at),
      reason: entry.revocation.reason,
    };
  }
  return { status: 'good' };
}

function checkSerial(serial: string): string {
  if (!/^[0-9a-fA-F:\s]+$/.test(serial) || serial.replace(/[:\s]/g, '').length > 40) {
    throw new JlisError(JlisErrorCode.BadSerial, `"${serial}" is not a hex serial number`);
  }
  return normaliseSerialHex(serial);
}

/** RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random octets with the top bit clear and non-zero. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex').toUpperCase();
}

/** An opaque, serial-like CN in the shape of the real ones (`997794E9AGCIEG13221003A`, JPKI.md §4.2). */
function opaqueCn(issuedAt: Date): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const random = Array.from({ length: 12 }, () => alphabet[randomInt(alphabet.length)]).join('');
  const yymmdd = issuedAt.toISOString().slice(2, 10).replace(/-/g, '');
  return `TEST${random}${yymmdd}A`;
}

function normaliseRsaPublicKey(spki: Buffer, what: string): Buffer {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw new JlisError(JlisErrorCode.BadPublicKey, `${what} is not a DER SubjectPublicKeyInfo`);
  }
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType !== 'rsa' || (details?.modulusLength ?? 0) < 2048) {
    throw new JlisError(
      JlisErrorCode.BadPublicKey,
      `${what} must be an RSA key of 2048 bits or more`,
    );
  }
  return key.export({ format: 'der', type: 'spki' });
}

function toAuthority(record: { key: string; cert: string }): Authority {
  const cert = Buffer.from(record.cert, 'base64');
  const parts = certificateParts(cert);
  return {
    key: createPrivateKey(record.key),
    cert,
    subject: parts.subject.raw,
    keyId: keyIdentifier(parts.spki.raw),
    keyBits: publicKeyBits(parts.spki.raw),
  };
}

async function newKey(): Promise<{ key: KeyObject; spki: Buffer; pem: string }> {
  const { publicKey, privateKey } = await generateRsaKeyPair('rsa', {
    modulusLength: 2048,
    publicExponent: 65537,
  });
  return {
    key: privateKey,
    spki: publicKey.export({ format: 'der', type: 'spki' }),
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

const addYears = (date: Date, years: number): Date => {
  const out = new Date(date);
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
};

/** Root → signing CA, authentication CA → one delegated OCSP responder each (JPKI.md §4.1, RFC 6960 §4.2.2.2). */
async function createHierarchy(baseUrl: string, now: Date): Promise<CaStateFile> {
  const [root, signCa, authCa, signOcsp, authOcsp] = await Promise.all(
    Array.from({ length: 5 }, () => newKey()),
  );
  // One day back, so that a verifier whose clock is a little behind still accepts a CA made a moment ago.
  const notBefore = new Date(now.getTime() - DAY_MS);
  const rootName = encodeName(JlisNames.root);
  const serviceAltName = generalNames(GeneralName.directoryName(JlisNames.serviceAltName));
  const caExtensions = (spki: Buffer, issuerSpki: Buffer, isRoot: boolean): Extension[] => [
    extension(Oid.basicConstraints, true, basicConstraintsCa()),
    extension(Oid.keyUsage, true, keyUsage([KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign])),
    extension(Oid.subjectAltName, false, serviceAltName),
    ...(isRoot
      ? []
      : [
          extension(Oid.issuerAltName, false, serviceAltName),
          extension(
            Oid.crlDistributionPoints,
            false,
            crlDistributionPoint(`${baseUrl}/crl/root.crl`),
          ),
        ]),
    extension(Oid.subjectKeyIdentifier, false, subjectKeyIdentifier(keyIdentifier(spki))),
    extension(Oid.authorityKeyIdentifier, false, authorityKeyIdentifier(keyIdentifier(issuerSpki))),
  ];
  const rootCert = buildCertificate(
    {
      serial: Buffer.from(newSerial(), 'hex'),
      issuer: rootName,
      subject: rootName,
      notBefore,
      notAfter: addYears(notBefore, CA_YEARS),
      publicKey: root.spki,
      extensions: caExtensions(root.spki, root.spki, true),
    },
    root.key,
  );
  const intermediate = (name: DistinguishedName, key: typeof signCa): Buffer =>
    buildCertificate(
      {
        serial: Buffer.from(newSerial(), 'hex'),
        issuer: rootName,
        subject: encodeName(name),
        notBefore,
        notAfter: addYears(notBefore, CA_YEARS),
        publicKey: key.spki,
        extensions: caExtensions(key.spki, root.spki, false),
      },
      root.key,
    );
  const responder = (caName: DistinguishedName, ca: typeof signCa, key: typeof signCa): Buffer =>
    buildCertificate(
      {
        serial: Buffer.from(newSerial(), 'hex'),
        issuer: encodeName(caName),
        subject: encodeName(ocspResponderName(caName)),
        notBefore,
        notAfter: addYears(notBefore, RESPONDER_YEARS),
        publicKey: key.spki,
        extensions: [
          extension(Oid.keyUsage, true, keyUsage([KeyUsageBit.digitalSignature])),
          extension(Oid.extKeyUsage, false, extendedKeyUsage(Oid.ocspSigning)),
          // RFC 6960 §4.2.2.2.1: clients need not check the responder certificate's own revocation.
          extension(Oid.ocspNoCheck, false, Buffer.from([0x05, 0x00])),
          extension(Oid.subjectKeyIdentifier, false, subjectKeyIdentifier(keyIdentifier(key.spki))),
          extension(
            Oid.authorityKeyIdentifier,
            false,
            authorityKeyIdentifier(keyIdentifier(ca.spki)),
          ),
        ],
      },
      ca.key,
    );
  const record = (key: { pem: string }, cert: Buffer) => ({
    key: key.pem,
    cert: cert.toString('base64'),
  });
  return {
    version: 1,
    createdAt: now.toISOString(),
    baseUrl,
    authorities: {
      root: record(root, rootCert),
      signCa: record(signCa, intermediate(JlisNames.signCa, signCa)),
      authCa: record(authCa, intermediate(JlisNames.authCa, authCa)),
      signOcsp: record(signOcsp, responder(JlisNames.signCa, signCa, signOcsp)),
      authOcsp: record(authOcsp, responder(JlisNames.authCa, authCa, authOcsp)),
    },
  };
}
