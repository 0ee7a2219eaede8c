/**
 * Verifications per second of a signed application (CMS parse, signed attributes, chain to the root, cached OCSP
 * answer, certified basic four) beside raw crypto.verify of one RSA-2048 signature in the same run. Issue 4 item 11:
 * the target is at least a quarter of the raw rate. Run: npm run bench:verify [-- --seconds 5]
 */
import { constants, createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { JpkiCard } from '@madoguchi/jpki';
import {
  assembleSignature,
  HttpRevocationSource,
  JPKI_TEST_SIGNING_POLICY_OID,
  prepareSignature,
  SignatureVerifier,
} from '@madoguchi/pki';
import { InProcessTransport, SimulatedJlis, VirtualMyNumberCard } from '@madoguchi/virtual-card';

const SIGN_PASSWORD = 'BENCH2026';

/** Operations per second of `op` over `ms`. */
async function burst(ms: number, op: () => unknown): Promise<{ ops: number; seconds: number }> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(ms * 1e6));
  let ops = 0;
  let now = start;
  while (now < deadline) {
    await op();
    ops++;
    now = process.hrtime.bigint();
  }
  return { ops, seconds: Number(now - start) / 1e9 };
}

/** Alternates short bursts of both, so that load from other processes weighs on both alike. */
async function rates(
  seconds: number,
  a: () => unknown,
  b: () => unknown,
): Promise<[number, number]> {
  const totals = [
    { ops: 0, seconds: 0 },
    { ops: 0, seconds: 0 },
  ];
  for (let round = 0; round < seconds * 5; round++) {
    for (const [i, op] of [a, b].entries()) {
      const r = await burst(100, op);
      totals[i].ops += r.ops;
      totals[i].seconds += r.seconds;
    }
  }
  return [totals[0].ops / totals[0].seconds, totals[1].ops / totals[1].seconds];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
  const seconds = Number(values.seconds);
  const dir = mkdtempSync(join(tmpdir(), 'bench-pki-'));
  const http = await (await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:1' })).listen(0);
  try {
    const jlis = await SimulatedJlis.open(dir, { baseUrl: http.url });
    const card = await VirtualMyNumberCard.create({
      basicFour: { name: '性能　試験', address: '東京都千代田区', birthdate: '19900101', sex: '9' },
      signPassword: SIGN_PASSWORD,
      authPin: '1234',
      textPin: '1234',
    });
    const keys = card.publicKeys();
    card.installCertificates(
      await jlis.issueCard({
        name: '性能　試験',
        address: '東京都千代田区',
        birthdate: '19900101',
        sex: '9',
        signPublicKey: keys.sign,
        authPublicKey: keys.auth,
      }),
    );
    const jpki = new JpkiCard(new InProcessTransport(card));
    await jpki.verifySignPassword(SIGN_PASSWORD);
    const certificate = await jpki.readSigningCertificate();
    const content = Buffer.from(JSON.stringify({ answers: { purpose: 'benchmark' } }));
    const prepared = prepareSignature({ content, signerCertificate: certificate });
    const cms = assembleSignature({
      signedAttributesDer: prepared.signedAttributesDer,
      signature: await jpki.signWithSigningKey(prepared.digestInfo),
      signerCertificate: certificate,
      chain: [await jpki.readSigningCaCertificate()],
    });
    const verifier = new SignatureVerifier({
      trustAnchors: [jlis.trustAnchors().root],
      revocation: new HttpRevocationSource(),
      acceptedPolicies: [JPKI_TEST_SIGNING_POLICY_OID],
    });
    const first = await verifier.verify({ cms, content });
    if (first.indication !== 'TOTAL-PASSED') {
      throw new Error(`the benchmark signature does not verify: ${first.subIndication}`);
    }

    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const message = createHash('sha256').update('x').digest();
    const signature = sign('sha256', message, privateKey);
    const [raw, full] = await rates(
      seconds,
      () =>
        verify(
          'sha256',
          message,
          { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
          signature,
        ),
      async () => {
        const report = await verifier.verify({ cms, content });
        if (report.indication !== 'TOTAL-PASSED') {
          throw new Error('verification failed during the run');
        }
      },
    );
    const ratio = full / raw;
    console.log(`raw crypto.verify RSA-2048          ${raw.toFixed(0).padStart(8)} /s`);
    console.log(`SignatureVerifier (cached OCSP)     ${full.toFixed(0).padStart(8)} /s`);
    console.log(
      `ratio ${ratio.toFixed(2)} (target ≥ 0.25: ${ratio >= 0.25 ? 'met' : 'NOT met'}), ${seconds} s each, interleaved`,
    );
  } finally {
    await http.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
