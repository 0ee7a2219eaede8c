import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SimulatedJlis } from '@madoguchi/virtual-card';
import { assembleSignature, encodeSignedData, prepareSignature } from './cades.signer';
import { ParsedCertificate } from './certificate';
import { children, oid, parseDer, sequence, setOf, tlv } from './der';
import { JPKI_TEST_SIGNING_POLICY_OID, Oid } from './oids';
import { PkiError, PkiErrorCode } from './pki.error';
import type { RevocationSource } from './revocation.source';
import { parseCms, verifySignature, type VerifySignatureInput } from './signature.verifier';

jest.setTimeout(60_000);

const alwaysGood: RevocationSource = {
  check: () =>
    Promise.resolve({
      status: 'good',
      source: 'ocsp',
      evidence: { ocspResponses: [], crls: [] },
      attempts: [],
    }),
};

describe('verifySignature on bad input (no card needed: a software key certified by the simulated J-LIS)', () => {
  let dir: string;
  let root: Buffer;
  let signCa: Buffer;
  let certificate: Buffer;
  let key: KeyObject;
  let cms: Buffer;
  const content = Buffer.from('{"a":1}');

  const input = (overrides: Partial<VerifySignatureInput> = {}): VerifySignatureInput => ({
    cms,
    content,
    trustAnchors: [root],
    revocation: alwaysGood,
    acceptedPolicies: [JPKI_TEST_SIGNING_POLICY_OID],
    ...overrides,
  });

  const signWith = (
    attributesDer: Buffer,
    parts: Partial<Parameters<typeof encodeSignedData>[0]> = {},
  ): Buffer =>
    encodeSignedData({
      signedAttributesDer: attributesDer,
      signature: sign('sha256', attributesDer, key),
      signer: ParsedCertificate.parse(certificate),
      certificates: [certificate, signCa],
      ...parts,
    });

  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'pki-verifier-'));
    const jlis = await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:1' });
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    key = pair.privateKey;
    const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
    const issued = await jlis.issueCard({
      name: '試験　太郎',
      address: '北海道札幌市中央区北１条西２丁目',
      birthdate: '20000229',
      sex: '9',
      signPublicKey: spki,
      authPublicKey: spki,
    });
    ({ root, signCa } = jlis.trustAnchors());
    certificate = issued.signCert;
    const prepared = prepareSignature({ content, signerCertificate: certificate });
    cms = assembleSignature({
      signedAttributesDer: prepared.signedAttributesDer,
      signature: sign('sha256', prepared.signedAttributesDer, key),
      signerCertificate: certificate,
      chain: [signCa],
    });
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('passes the baseline, with the certified details (sex 9 written as 3 and read back)', async () => {
    const sut = await verifySignature(input());

    expect(sut.indication).toBe('TOTAL-PASSED');
    expect(sut.certifiedBasicFour).toMatchObject({ birthdate: '20000229', sex: '9', birthEra: 4 });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['garbage', Buffer.from('not a CMS at all')],
    ['truncated', () => cms.subarray(0, cms.length - 10)],
    ['trailing bytes', () => Buffer.concat([cms, Buffer.from([0])])],
    ['a certificate instead', () => certificate],
  ])('%s → PkiError(Malformed or UnsupportedCms)', async (_label, bytes) => {
    const value = typeof bytes === 'function' ? bytes() : bytes;

    await expect(verifySignature(input({ cms: value }))).rejects.toBeInstanceOf(PkiError);
  });

  it('oversized → PkiError(Malformed) before parsing', async () => {
    await expect(verifySignature(input({ maxCmsBytes: 100 }))).rejects.toMatchObject({
      code: PkiErrorCode.Malformed,
    });
  });

  it('wrong content type (enveloped-data) → UnsupportedCms', async () => {
    const [, content] = children(parseDer(cms));
    const enveloped = sequence(oid('1.2.840.113549.1.7.3'), content.raw);

    await expect(verifySignature(input({ cms: enveloped }))).rejects.toMatchObject({
      code: PkiErrorCode.UnsupportedCms,
    });
  });

  it('two signers → UnsupportedCms', () => {
    const signedData = children(children(parseDer(cms))[1])[0];
    const fields = children(signedData);
    const signerInfo = children(fields[fields.length - 1])[0];
    const doubled = sequence(
      oid(Oid.signedData),
      tlv(
        0xa0,
        sequence(...fields.slice(0, -1).map((f) => f.raw), setOf(signerInfo.raw, signerInfo.raw)),
      ),
    );

    expect(() => parseCms(doubled)).toThrow(
      expect.objectContaining({
        code: PkiErrorCode.UnsupportedCms,
        message: expect.stringContaining('2') as string,
      }),
    );
  });

  it('SHA-1 as digest algorithm → INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE', async () => {
    const prepared = prepareSignature({ content, signerCertificate: certificate });
    const sha1Cms = signWith(prepared.signedAttributesDer, { digestAlgorithm: Oid.sha1 });

    const sut = await verifySignature(input({ cms: sha1Cms }));

    expect(sut).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE',
    });
  });

  it("without signing-certificate-v2 → NO_SIGNING_CERTIFICATE_FOUND (EU DSS users' most common trouble)", async () => {
    const prepared = prepareSignature({ content, signerCertificate: certificate });
    const attributes = children(parseDer(prepared.signedAttributesDer)).filter(
      (a) => !a.raw.includes(oid(Oid.signingCertificateV2)),
    );

    const sut = await verifySignature(
      input({ cms: signWith(setOf(...attributes.map((a) => a.raw))) }),
    );

    expect(sut).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'NO_SIGNING_CERTIFICATE_FOUND',
    });
  });

  it('without the signer certificate in the SignedData → NO_SIGNING_CERTIFICATE_FOUND', async () => {
    const prepared = prepareSignature({ content, signerCertificate: certificate });

    const sut = await verifySignature(
      input({ cms: signWith(prepared.signedAttributesDer, { certificates: [signCa] }) }),
    );

    expect(sut.subIndication).toBe('NO_SIGNING_CERTIFICATE_FOUND');
    expect(sut.checks.every((c) => c.status === 'INDETERMINATE')).toBe(true);
  });

  it('without the intermediate in the CMS, found from configuration instead', async () => {
    const prepared = prepareSignature({ content, signerCertificate: certificate });
    const bare = signWith(prepared.signedAttributesDer, { certificates: [certificate] });

    await expect(verifySignature(input({ cms: bare }))).resolves.toMatchObject({
      subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
    });
    await expect(
      verifySignature(input({ cms: bare, intermediates: [signCa] })),
    ).resolves.toMatchObject({
      indication: 'TOTAL-PASSED',
    });
  });

  it('a signing-time in the future → SIG_CONSTRAINTS_FAILURE', async () => {
    const prepared = prepareSignature({
      content,
      signerCertificate: certificate,
      signingTime: new Date(Date.now() + 3_600_000),
    });

    const sut = await verifySignature(input({ cms: signWith(prepared.signedAttributesDer) }));

    expect(sut.subIndication).toBe('SIG_CONSTRAINTS_FAILURE');
  });

  it('fuzz: mutated CMS never throws anything but PkiError, and passes only for the same signer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(cms.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.option(fc.nat(cms.length - 1), { nil: undefined }),
        async (flips, cut) => {
          const mutated = Buffer.from(cms);
          for (const [at, xor] of flips) {
            mutated[at] ^= xor;
          }
          const bytes = cut === undefined ? mutated : mutated.subarray(0, cut);
          try {
            const report = await verifySignature(input({ cms: bytes }));
            // A flip inside an unsigned, unchecked part (e.g. a CA certificate's padding) may still pass; a
            // flip anywhere signed may not.
            if (report.indication === 'TOTAL-PASSED') {
              expect(report.signerCertificate).toEqual(certificate);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(PkiError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
