/**
 * Signatures per second through libs/jpki → InProcessTransport → VirtualMyNumberCard, beside a direct
 * crypto.sign with an RSA-2048 key of the same size in the same run. The ratio is the overhead of the
 * APDU path (encode, decode, status words, PKCS#1 padding by the card). Run: npm run bench:card
 */
import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  createPublicKey,
} from 'node:crypto';
import { parseArgs } from 'node:util';
import { JpkiCard, sha256DigestInfo } from '@madoguchi/jpki';
import { InProcessTransport, VirtualMyNumberCard } from '@madoguchi/virtual-card';

const SIGN_PASSWORD = 'BENCH2026';

interface Result {
  name: string;
  operations: number;
  seconds: number;
  apdus?: number;
}

async function timed(
  name: string,
  seconds: number,
  op: () => unknown,
  apdus?: () => number,
): Promise<Result> {
  const before = apdus?.() ?? 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let operations = 0;
  let now = start;
  while (now < deadline) {
    await op();
    operations++;
    now = process.hrtime.bigint();
  }
  return {
    name,
    operations,
    seconds: Number(now - start) / 1e9,
    apdus: apdus ? apdus() - before : undefined,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
  const seconds = Number(values.seconds);
  const card = await VirtualMyNumberCard.create({
    basicFour: { name: '性能　試験', address: '東京都千代田区', birthdate: '19900101', sex: '9' },
    signPassword: SIGN_PASSWORD,
    authPin: '1234',
    textPin: '1234',
  });
  const transport = new InProcessTransport(card);
  const jpki = new JpkiCard(transport);
  const direct = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const message = () => randomBytes(64);

  // Correctness before speed: a card signature verifies like a direct one.
  await jpki.verifySignPassword(SIGN_PASSWORD);
  const sample = message();
  const cardSignature = await jpki.signWithSigningKey(
    sha256DigestInfo(createHash('sha256').update(sample).digest()),
  );
  const cardKey = createPublicKey({ key: card.publicKeys().sign, format: 'der', type: 'spki' });
  if (!verify('sha256', sample, cardKey, cardSignature)) {
    throw new Error('card signature does not verify');
  }

  interface Case {
    name: string;
    prepare?: () => Promise<void>;
    op: () => unknown;
    apdus?: () => number;
  }
  let steady = new JpkiCard(transport);
  const digestInfo = () => sha256DigestInfo(createHash('sha256').update(message()).digest());
  const cases: Case[] = [
    {
      name: 'crypto.sign (direct, RSA-2048)',
      op: () => sign('sha256', message(), direct.privateKey),
    },
    {
      name: 'JpkiCard → virtual card, password verified once',
      prepare: async () => {
        card.reset();
        steady = new JpkiCard(transport);
        await steady.verifySignPassword(SIGN_PASSWORD);
      },
      op: () => steady.signWithSigningKey(digestInfo()),
      apdus: () => transport.apduCount,
    },
    {
      name: 'JpkiCard → virtual card, full session per signature',
      op: async () => {
        card.reset();
        const session = new JpkiCard(transport);
        await session.verifySignPassword(SIGN_PASSWORD);
        return session.signWithSigningKey(digestInfo());
      },
      apdus: () => transport.apduCount,
    },
  ];

  // Short slices, interleaved, so that load from other processes hits every case alike; the first
  // round is a warm-up and is not counted.
  const slice = 0.2;
  const rounds = Math.max(1, Math.round(seconds / slice));
  const results: Result[] = cases.map((c) => ({
    name: c.name,
    operations: 0,
    seconds: 0,
    apdus: c.apdus ? 0 : undefined,
  }));
  for (let round = 0; round <= rounds; round++) {
    for (const [i, c] of cases.entries()) {
      await c.prepare?.();
      const r = await timed(c.name, slice, c.op, c.apdus);
      if (round > 0) {
        results[i].operations += r.operations;
        results[i].seconds += r.seconds;
        if (r.apdus !== undefined) {
          results[i].apdus = (results[i].apdus ?? 0) + r.apdus;
        }
      }
    }
  }

  const rate = (x: Result) => x.operations / x.seconds;
  const baseline = rate(results[0]);
  console.log(
    `card benchmark: ${seconds} s per case in interleaved ${slice * 1000} ms slices, Node ${process.version}, ${process.arch}`,
  );
  for (const x of results) {
    const perSig =
      x.apdus === undefined ? '' : `, ${(x.apdus / x.operations).toFixed(2)} APDUs/signature`;
    console.log(
      `  ${x.name.padEnd(52)} ${rate(x).toFixed(1).padStart(8)} signatures/s${perSig}, ratio to direct ${(rate(x) / baseline).toFixed(3)}`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'card',
      results: results.map((x) => ({
        name: x.name,
        signaturesPerSecond: Number(rate(x).toFixed(1)),
        apdusPerSignature:
          x.apdus === undefined ? undefined : Number((x.apdus / x.operations).toFixed(2)),
        ratioToDirect: Number((rate(x) / baseline).toFixed(3)),
      })),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
