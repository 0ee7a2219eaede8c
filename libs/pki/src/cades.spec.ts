import { execFile } from 'node:child_process';
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as pkijs from 'pkijs';
import { JpkiCard } from '@madoguchi/jpki';
import {
  InProcessTransport,
  JpkiPolicyOid,
  SimulatedJlis,
  VirtualMyNumberCard,
  type IssuedCard,
} from '@madoguchi/virtual-card';
// Test-only: the J-LIS's own DER and OCSP building blocks, to forge certificates and rogue OCSP answers.
import { answerOcsp } from '../../virtual-card/src/jlis/ocsp.responder';
import {
  buildCertificate,
  certificateParts,
  certificatePolicies,
  encodeName,
  extendedKeyUsage,
  extension,
  keyUsage,
  KeyUsageBit,
  Oid as X509Oid,
  publicKeyBits,
  toPem,
} from '../../virtual-card/src/jlis/x509';
import { assembleSignature, encodeSignedData, prepareSignature } from './cades.signer';
import { ParsedCertificate } from './certificate';
import { HttpRevocationSource } from './http-revocation.source';
import { JPKI_TEST_SIGNING_POLICY_OID } from './oids';
import { PkiErrorCode } from './pki.error';
import type { RevocationSource } from './revocation.source';
import { verifySignature, type VerifySignatureInput } from './signature.verifier';

jest.setTimeout(60_000);

const execFileAsync = promisify(execFile);
const SIGN_PASSWORD = 'MADO2026';
const HOLDER = {
  name: '窓口　花子',
  address: '東京都千代田区霞が関２丁目１番２号',
  birthdate: '19900102',
  sex: '2',
} as const;

interface World {
  dir: string;
  jlis: SimulatedJlis;
  url: string;
  close: () => Promise<void>;
  root: Buffer;
  signCa: Buffer;
  signCaKey: KeyObject;
}

async function openWorld(): Promise<World> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'pki-jlis-'));
  // A port known before the hierarchy is made, so that CA and end-entity certificates name this server.
  const url = await closedPortUrl();
  const jlis = await SimulatedJlis.open(dir, { baseUrl: url });
  const server = await jlis.listen(Number(new URL(url).port));
  const ca = JSON.parse(await fs.readFile(join(dir, 'ca.json'), 'utf8')) as {
    authorities: Record<string, { key: string }>;
  };
  const anchors = jlis.trustAnchors();
  return {
    dir,
    jlis,
    url: server.url,
    close: () => server.close(),
    root: anchors.root,
    signCa: anchors.signCa,
    signCaKey: createPrivateKey(ca.authorities.signCa.key),
  };
}

async function issueCard(world: World, issuedAt?: Date) {
  const card = await VirtualMyNumberCard.create({
    basicFour: HOLDER,
    signPassword: SIGN_PASSWORD,
    authPin: '1234',
    textPin: '5678',
  });
  const keys = card.publicKeys();
  const issued = await world.jlis.issueCard({
    ...HOLDER,
    signPublicKey: keys.sign,
    authPublicKey: keys.auth,
    issuedAt,
  });
  card.installCertificates(issued);
  return { card, issued };
}

/** The real APDU flow: VERIFY the signing password, READ the certificates, SIGN the DigestInfo. */
async function signWithCard(
  card: VirtualMyNumberCard,
  content: Buffer,
  signingTime?: Date,
): Promise<{ cms: Buffer; certificate: Buffer }> {
  const jpki = new JpkiCard(new InProcessTransport(card));
  await jpki.verifySignPassword(SIGN_PASSWORD);
  const certificate = await jpki.readSigningCertificate();
  const caCertificate = await jpki.readSigningCaCertificate();
  const prepared = prepareSignature({ content, signerCertificate: certificate, signingTime });
  const signature = await jpki.signWithSigningKey(prepared.digestInfo);
  const cms = assembleSignature({
    signedAttributesDer: prepared.signedAttributesDer,
    signature,
    signerCertificate: certificate,
    chain: [caCertificate],
  });
  return { cms, certificate };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function serve(handler: (body: Buffer) => Buffer): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/ocsp-response' });
      response.end(handler(Buffer.concat(chunks)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const alwaysGood: RevocationSource = {
  check: () =>
    Promise.resolve({ status: 'good', evidence: { ocspResponses: [], crls: [] }, attempts: [] }),
};

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('CAdES-B-B with the virtual card through JpkiCard, verified against the simulated J-LIS', () => {
  let world: World;
  let card: VirtualMyNumberCard;
  let issued: IssuedCard;
  const document = Buffer.from(
    '{"answers":{"氏名":"窓口　花子"},"formId":"juminhyo","municipalityCode":"990019"}',
  );
  let cms: Buffer;
  let certificate: Buffer;
  let unreachable: string;

  const verifyInput = (overrides: Partial<VerifySignatureInput> = {}): VerifySignatureInput => ({
    cms,
    content: document,
    trustAnchors: [world.root],
    revocation: new HttpRevocationSource({ timeoutMs: 2000 }),
    acceptedPolicies: [JPKI_TEST_SIGNING_POLICY_OID],
    ...overrides,
  });

  beforeAll(async () => {
    world = await openWorld();
    ({ card, issued } = await issueCard(world));
    ({ cms, certificate } = await signWithCard(card, document));
    unreachable = await closedPortUrl();
  });

  afterAll(async () => {
    await world.close();
    await fs.rm(world.dir, { recursive: true, force: true });
  });

  describe('phase 1 and phase 2', () => {
    it('hands out a 51-byte DigestInfo over a DER SET of the four CAdES attributes', () => {
      const sut = prepareSignature({
        content: document,
        signerCertificate: certificate,
        signingTime: new Date('2026-11-23T10:00:00.789Z'),
      });

      expect(sut.digestInfo).toHaveLength(51);
      expect(sut.digestInfo.subarray(0, 19).toString('hex')).toBe(
        '3031300d060960864801650304020105000420',
      );
      expect(sut.signedAttributesDer[0]).toBe(0x31);
      expect(sut.signingTime.toISOString()).toBe('2026-11-23T10:00:00.000Z');
    });

    it('refuses a raw signature made over another document', async () => {
      const other = prepareSignature({
        content: Buffer.from('other'),
        signerCertificate: certificate,
      });
      const mine = prepareSignature({ content: document, signerCertificate: certificate });
      const jpki = new JpkiCard(new InProcessTransport(card));
      await jpki.verifySignPassword(SIGN_PASSWORD);
      const signature = await jpki.signWithSigningKey(other.digestInfo);

      expect(() =>
        assembleSignature({
          signedAttributesDer: mine.signedAttributesDer,
          signature,
          signerCertificate: certificate,
        }),
      ).toThrow(expect.objectContaining({ code: PkiErrorCode.SignatureMismatch }));
    });

    it('refuses a certificate swapped between the phases', async () => {
      const { issued: otherCard } = await issueCard(world);
      const prepared = prepareSignature({ content: document, signerCertificate: certificate });
      const jpki = new JpkiCard(new InProcessTransport(card));
      await jpki.verifySignPassword(SIGN_PASSWORD);
      const signature = await jpki.signWithSigningKey(prepared.digestInfo);

      expect(() =>
        assembleSignature({
          signedAttributesDer: prepared.signedAttributesDer,
          signature,
          signerCertificate: otherCard.signCert,
        }),
      ).toThrow(expect.objectContaining({ code: PkiErrorCode.CertificateMismatch }));
    });
  });

  describe('good B-B', () => {
    it('is TOTAL-PASSED with every check passed, the certified basic four and the OCSP evidence', async () => {
      const sut = await verifySignature(verifyInput());

      expect(sut.checks.filter((c) => c.status !== 'PASSED')).toEqual([]);
      expect(sut.indication).toBe('TOTAL-PASSED');
      expect(sut.subIndication).toBeUndefined();
      expect(sut.certifiedBasicFour).toMatchObject({ ...HOLDER, birthEra: 4 });
      expect(sut.signerCertificate).toEqual(issued.signCert);
      expect(sut.chain).toEqual([issued.signCert, world.signCa, world.root]);
      expect(sut.revocation?.source).toBe('ocsp');
      expect(sut.revocationEvidence.ocspResponses).toHaveLength(1);
    });

    it('is accepted by openssl cms -verify with the root as the only CA file', async () => {
      const dir = await fs.mkdtemp(join(tmpdir(), 'pki-openssl-'));
      await fs.writeFile(join(dir, 'sig.p7s'), cms);
      await fs.writeFile(join(dir, 'doc.json'), document);
      await fs.writeFile(join(dir, 'root.pem'), toPem(world.root));
      const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'sig.p7s')];
      args.push('-content', join(dir, 'doc.json'), '-CAfile', join(dir, 'root.pem'));
      args.push('-purpose', 'any', '-out', '/dev/null');

      const { stderr } = await execFileAsync('openssl', args);

      expect(stderr).toContain('CMS Verification successful');
      await fs.writeFile(join(dir, 'doc.json'), Buffer.concat([document, Buffer.from(' ')]));
      await expect(execFileAsync('openssl', args)).rejects.toMatchObject({ code: 4 });
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('is accepted by pkijs SignedData.verify as well (an independent reading)', async () => {
      const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto });
      const info = pkijs.ContentInfo.fromBER(cms);
      const signedData = new pkijs.SignedData({ schema: info.content });

      await expect(
        signedData.verify(
          { signer: 0, data: new Uint8Array(document).buffer, checkChain: false },
          engine,
        ),
      ).resolves.toBe(true);
    });

    it('with checkCaRevocation, also asks about the signing CA (the root CRL) and archives both answers', async () => {
      const sut = await verifySignature(verifyInput({ checkCaRevocation: true }));

      expect(sut.indication).toBe('TOTAL-PASSED');
      expect(sut.caRevocation).toEqual([
        expect.objectContaining({ status: 'good', source: 'crl' }),
      ]);
      expect(sut.revocationEvidence.ocspResponses).toHaveLength(1);
      expect(sut.revocationEvidence.crls).toHaveLength(1);
    });

    it('with checkCaRevocation, a revoked CA makes the signature REVOKED', async () => {
      const caRevoked: RevocationSource = {
        check: (cert) =>
          Promise.resolve({
            status: ParsedCertificate.parse(cert).isCa() ? 'revoked' : 'good',
            source: 'crl',
            revokedAt: new Date(),
            reason: 'cACompromise',
            evidence: { ocspResponses: [], crls: [] },
            attempts: [],
          }),
      };

      const sut = await verifySignature(
        verifyInput({ checkCaRevocation: true, revocation: caRevoked }),
      );

      expect(sut).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'REVOKED' });
      expect(sut.checks.find((c) => c.check === 'REVOCATION')?.reason).toContain('CA certificate');
    });

    it('uses the cached OCSP answer the second time (nothing on the network)', async () => {
      const revocation = new HttpRevocationSource();
      await verifySignature(verifyInput({ revocation }));

      const sut = await verifySignature(verifyInput({ revocation }));

      expect(sut.indication).toBe('TOTAL-PASSED');
      expect(sut.revocation?.attempts.map((a) => a.outcome)).toEqual(['cached']);
    });
  });

  describe('failures', () => {
    it('content changed by one byte → TOTAL-FAILED / HASH_FAILURE', async () => {
      const changed = Buffer.from(document);
      changed[10] ^= 0x01;

      const sut = await verifySignature(verifyInput({ content: changed }));

      expect(sut).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'HASH_FAILURE' });
      expect(sut.checks.find((c) => c.check === 'SIGNATURE')?.status).toBe('PASSED');
    });

    it('another certificate in the SignedData → SIG_CRYPTO_FAILURE and a signing-certificate-v2 mismatch', async () => {
      const { issued: other } = await issueCard(world);
      const prepared = prepareSignature({ content: document, signerCertificate: certificate });
      const jpki = new JpkiCard(new InProcessTransport(card));
      await jpki.verifySignPassword(SIGN_PASSWORD);
      const swapped = encodeSignedData({
        signedAttributesDer: prepared.signedAttributesDer,
        signature: await jpki.signWithSigningKey(prepared.digestInfo),
        signer: ParsedCertificate.parse(other.signCert),
        certificates: [other.signCert, world.signCa],
      });

      const sut = await verifySignature(verifyInput({ cms: swapped }));

      expect(sut).toMatchObject({
        indication: 'TOTAL-FAILED',
        subIndication: 'SIG_CRYPTO_FAILURE',
      });
      expect(sut.checks.find((c) => c.check === 'SIGNING_CERTIFICATE_V2')).toMatchObject({
        status: 'FAILED',
        reason: expect.stringContaining('certHash') as string,
      });
    });

    it('revoked after signing, seen by OCSP → TOTAL-FAILED / REVOKED with reason and time', async () => {
      const fresh = await issueCard(world);
      const signed = await signWithCard(fresh.card, document);
      await world.jlis.revoke(fresh.issued.signSerial, 'superseded');

      const sut = await verifySignature(verifyInput({ cms: signed.cms }));

      expect(sut).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'REVOKED' });
      expect(sut.revocation).toMatchObject({
        source: 'ocsp',
        status: 'revoked',
        reason: 'superseded',
      });
      expect(sut.revocation?.revokedAt).toBeInstanceOf(Date);
      expect(sut.revocationEvidence.ocspResponses).toHaveLength(1);
    });

    it('revoked, OCSP unreachable, seen by the CRL → REVOKED, with the CRL as evidence', async () => {
      const fresh = await issueCard(world);
      const signed = await signWithCard(fresh.card, document);
      await world.jlis.revoke(fresh.issued.signSerial, 'keyCompromise');
      const revocation = new HttpRevocationSource({ ocspUrl: `${unreachable}/ocsp` });

      const sut = await verifySignature(verifyInput({ cms: signed.cms, revocation }));

      expect(sut).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'REVOKED' });
      expect(sut.revocation).toMatchObject({ source: 'crl', reason: 'keyCompromise' });
      expect(sut.revocation?.attempts.map((a) => `${a.source}:${a.outcome}`)).toEqual([
        'ocsp:unreachable',
        'crl:used',
      ]);
      expect(sut.revocationEvidence.crls).toHaveLength(1);
    });

    it('no revocation data reachable → INDETERMINATE / TRY_LATER, never PASSED', async () => {
      const revocation = new HttpRevocationSource({
        ocspUrl: `${unreachable}/ocsp`,
        crlUrl: `${unreachable}/crl/sign.crl`,
      });

      const sut = await verifySignature(verifyInput({ revocation }));

      expect(sut).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
      expect(sut.checks.find((c) => c.check === 'REVOCATION')?.status).toBe('INDETERMINATE');
    });

    it('untrusted root → INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND', async () => {
      const stranger = await openWorld();
      try {
        const sut = await verifySignature(verifyInput({ trustAnchors: [stranger.root] }));

        expect(sut).toMatchObject({
          indication: 'INDETERMINATE',
          subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
        });
        expect(sut.chain).toEqual([]);
      } finally {
        await stranger.close();
        await fs.rm(stranger.dir, { recursive: true, force: true });
      }
    });

    it('a signature from another J-LIS with the very same CA names → NO_CERTIFICATE_CHAIN_FOUND', async () => {
      const stranger = await openWorld();
      try {
        const { card: foreign } = await issueCard(stranger);
        const signed = await signWithCard(foreign, document);

        const sut = await verifySignature(verifyInput({ cms: signed.cms }));

        expect(sut.subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
      } finally {
        await stranger.close();
        await fs.rm(stranger.dir, { recursive: true, force: true });
      }
    });

    it('signer certificate expired at signing time → TOTAL-FAILED / EXPIRED', async () => {
      const old = await issueCard(world, new Date('2019-04-01T00:00:00Z'));
      const signed = await signWithCard(old.card, document);

      const sut = await verifySignature(verifyInput({ cms: signed.cms }));

      expect(sut).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'EXPIRED' });
      expect(sut.checks.find((c) => c.check === 'VALIDITY_AT_SIGNING_TIME')?.reason).toContain(
        'expired at signing time',
      );
    });

    it('signing time before the certificate existed → NOT_YET_VALID', async () => {
      const signed = await signWithCard(card, document, new Date('2020-01-01T00:00:00Z'));

      const sut = await verifySignature(verifyInput({ cms: signed.cms }));

      expect(sut).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'NOT_YET_VALID' });
    });

    it('valid when signed but expired by now, without a time-stamp → INDETERMINATE / OUT_OF_BOUNDS_NO_POE', async () => {
      const later = new Date(
        ParsedCertificate.parse(issued.signCert).notAfter.getTime() + 86_400_000,
      );

      const sut = await verifySignature(verifyInput({ now: later, revocation: alwaysGood }));

      expect(sut).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'OUT_OF_BOUNDS_NO_POE',
      });
    });

    it('a revocation source that throws → INDETERMINATE / TRY_LATER, not an exception', async () => {
      const broken: RevocationSource = { check: () => Promise.reject(new Error('disk full')) };

      const sut = await verifySignature(verifyInput({ revocation: broken }));

      expect(sut).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
      expect(sut.checks.find((c) => c.check === 'REVOCATION')?.reason).toContain('disk full');
    });

    it('the production JPKI policy only (the default) → a test-arc certificate is not accepted', async () => {
      const sut = await verifySignature(verifyInput({ acceptedPolicies: undefined }));

      expect(sut).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'CHAIN_CONSTRAINTS_FAILURE',
      });
      expect(sut.checks.find((c) => c.check === 'POLICY')?.status).toBe('FAILED');
    });

    /** A certificate the real signing CA issued to a software key, with the given extensions, and a CMS by it. */
    function forgeSigned(extensions: ReturnType<typeof extension>[]): Buffer {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const forged = buildCertificate(
        {
          serial: randomBytes(8),
          issuer: ParsedCertificate.parse(world.signCa).subject.raw,
          subject: encodeName([
            ['C', 'JP'],
            ['CN', 'TEST forged profile'],
          ]),
          notBefore: new Date(Date.now() - 60_000),
          notAfter: new Date(Date.now() + 86_400_000),
          publicKey: publicKey.export({ format: 'der', type: 'spki' }),
          extensions,
        },
        world.signCaKey,
      );
      const prepared = prepareSignature({ content: document, signerCertificate: forged });
      return assembleSignature({
        signedAttributesDer: prepared.signedAttributesDer,
        signature: sign('sha256', prepared.signedAttributesDer, privateKey),
        signerCertificate: forged,
        chain: [world.signCa],
      });
    }
    const testPolicy = () =>
      extension(
        X509Oid.certificatePolicies,
        true,
        certificatePolicies(JpkiPolicyOid.testSigning, 'http://127.0.0.1/cps'),
      );

    it('a certificate without nonRepudiation → the KEY_USAGE check fails', async () => {
      const cmsByWeak = forgeSigned([
        extension(X509Oid.keyUsage, true, keyUsage([KeyUsageBit.digitalSignature])),
        testPolicy(),
      ]);

      const sut = await verifySignature(verifyInput({ cms: cmsByWeak, revocation: alwaysGood }));

      expect(sut).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'SIG_CONSTRAINTS_FAILURE',
      });
      expect(sut.checks.find((c) => c.check === 'KEY_USAGE')?.status).toBe('FAILED');
      expect(sut.certifiedBasicFour).toBeUndefined();
    });

    it('a certificate with an unknown critical extension → the CHAIN check fails', async () => {
      const cmsByOdd = forgeSigned([
        extension(X509Oid.keyUsage, true, keyUsage([KeyUsageBit.nonRepudiation])),
        testPolicy(),
        extension('1.2.3.4.5', true, Buffer.from([0x05, 0x00])),
      ]);

      const sut = await verifySignature(verifyInput({ cms: cmsByOdd, revocation: alwaysGood }));

      expect(sut).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE',
      });
      expect(sut.checks.find((c) => c.check === 'CHAIN')?.reason).toContain('1.2.3.4.5');
    });

    it('the same forged profile with nonRepudiation and nothing odd passes (the two tests above are not vacuous)', async () => {
      const cmsByGood = forgeSigned([
        extension(X509Oid.keyUsage, true, keyUsage([KeyUsageBit.nonRepudiation])),
        testPolicy(),
      ]);

      await expect(
        verifySignature(verifyInput({ cms: cmsByGood, revocation: alwaysGood })),
      ).resolves.toMatchObject({ indication: 'TOTAL-PASSED' });
    });
  });

  describe('OCSP answers that must be rejected', () => {
    const rogueAnswer = (responderCert: Buffer, responderKey: KeyObject) => (body: Buffer) => {
      const ca = certificateParts(world.signCa);
      return answerOcsp(
        body,
        [
          {
            caSubject: ca.subject.raw,
            caKeyBits: publicKeyBits(ca.spki.raw),
            responderCert,
            responderKey,
            responderKeyHash: createHash('sha1')
              .update(publicKeyBits(certificateParts(responderCert).spki.raw))
              .digest(),
            statusOf: () => ({ status: 'good' }),
          },
        ],
        { now: new Date(), validityMs: 3_600_000 },
      );
    };

    async function verifyWithRogue(handler: (body: Buffer) => Buffer) {
      const rogue = await serve(handler);
      try {
        const revocation = new HttpRevocationSource({
          ocspUrl: `${rogue.url}/ocsp`,
          crlUrl: `${unreachable}/crl`,
        });
        return await verifySignature(verifyInput({ revocation }));
      } finally {
        await closeServer(rogue.server);
      }
    }

    it('signed by a resident certificate of the same CA (no id-kp-OCSPSigning) → rejected, INDETERMINATE', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const holder = await world.jlis.issueCard({
        ...HOLDER,
        signPublicKey: publicKey.export({ format: 'der', type: 'spki' }),
        authPublicKey: publicKey.export({ format: 'der', type: 'spki' }),
      });

      const sut = await verifyWithRogue(rogueAnswer(holder.signCert, privateKey));

      expect(sut).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
      expect(sut.revocation?.attempts[0]).toMatchObject({
        source: 'ocsp',
        outcome: 'rejected',
        reason: expect.stringContaining('no id-kp-OCSPSigning') as string,
      });
    });

    it('signed by a delegated responder of another CA (with id-kp-OCSPSigning) → rejected as unauthorised', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const otherCaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const responderName = encodeName([
        ['C', 'JP'],
        ['CN', 'TEST rogue OCSP'],
      ]);
      const responder = buildCertificate(
        {
          serial: Buffer.from('01', 'hex'),
          issuer: certificateParts(world.signCa).subject.raw, // the right name, the wrong key
          subject: responderName,
          notBefore: new Date(Date.now() - 60_000),
          notAfter: new Date(Date.now() + 86_400_000),
          publicKey: publicKey.export({ format: 'der', type: 'spki' }),
          extensions: [
            extension(X509Oid.extKeyUsage, false, extendedKeyUsage(X509Oid.ocspSigning)),
          ],
        },
        otherCaKey,
      );

      const sut = await verifyWithRogue(rogueAnswer(responder, privateKey));

      expect(sut.subIndication).toBe('TRY_LATER');
      expect(sut.revocation?.attempts[0].reason).toContain('unauthorised responder');
    });

    it('a replayed genuine answer (the nonce does not match) → rejected', async () => {
      const genuine = await fetch(`${world.url}/ocsp`, {
        method: 'POST',
        body: await ocspRequestFor(issued.signCert),
      });
      const recorded = Buffer.from(await genuine.arrayBuffer());

      const sut = await verifyWithRogue(() => recorded);

      expect(sut.revocation?.attempts[0].reason).toBe('the nonce does not match the request');
      expect(sut.subIndication).toBe('TRY_LATER');
    });

    it('garbage instead of an OCSP response → rejected', async () => {
      const sut = await verifyWithRogue((body) => body);

      expect(sut.revocation?.attempts[0].outcome).toBe('rejected');
      expect(sut.subIndication).toBe('TRY_LATER');
    });
  });

  /** An OCSP request for `cert` with some other nonce, as an eavesdropper would have recorded it. */
  async function ocspRequestFor(cert: Buffer): Promise<Buffer> {
    let captured: Buffer | undefined;
    const recorder = await serve((body) => {
      captured = body;
      return Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x02]); // internalError
    });
    try {
      await new HttpRevocationSource({ ocspUrl: recorder.url, isCrlEnabled: false }).check(
        cert,
        world.signCa,
      );
    } finally {
      await closeServer(recorder.server);
    }
    return captured!;
  }
});
