/**
 * npm run bench:signing — issue 4 §11: the end-to-end "post signature → receipt" rate on the embedded default
 * (the built portal as its own process, SQLite, the simulated J-LIS answering OCSP over HTTP; the portal caches the
 * answer until nextUpdate, as in production). Target: at least 300 receipts/s.
 *
 * Sessions are prepared over HTTP as a resident and a card app would leave them just before the last step (a draft of
 * the fixture form test-signed, a signing session, the certificate posted and the DigestInfo answered); the card
 * signs every DigestInfo beforehand, so the measured part is only the portal: assemble the CMS, verify it in full
 * (signature, digest, chain, validity, key usage, policy, revocation) and store the application.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { JpkiCard } from '@madoguchi/jpki';
import { InProcessTransport, SimulatedJlis, VirtualMyNumberCard } from '@madoguchi/virtual-card';
import { startServer } from './support/server-process';

const ROOT = resolve(__dirname, '..', '..');
const FORM = '/m/990019/forms/test-signed';
const SIGN_PASSWORD = 'BENCH2026';

interface Prepared {
  api: string;
  signature: string;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}

class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';', 1);
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function prepareOne(
  base: string,
  n: number,
  certificate: string,
  jpki: JpkiCard,
): Promise<Prepared> {
  const jar = new Jar();
  let csrf = '';
  const post = async (path: string, fields: Array<[string, string]>): Promise<Response> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        'content-type': 'application/x-www-form-urlencoded',
        // as a browser does; the start button (no token on the start page) is checked by it
        origin: new URL(base).origin,
      },
      body: new URLSearchParams([['_csrf', csrf], ...fields]).toString(),
    });
    jar.take(res);
    return res;
  };
  await (await post(`${FORM}/start`, [])).arrayBuffer();
  const step = await fetch(`${base}${FORM}/steps/1`, { headers: { cookie: jar.header() } });
  jar.take(step);
  csrf = /name="_csrf" value="([^"]+)"/.exec(await step.text())?.[1] ?? '';
  await (await post(`${FORM}/steps/1`, [['purpose', `年金の手続き ${n}`]])).arrayBuffer();
  const handoff = await (await post(`${FORM}/sign`, [])).text();
  const token = /\/s\/([A-Za-z0-9_-]{22})/.exec(handoff)?.[1];
  if (!token) {
    throw new Error(`session ${n}: no hand-off page`);
  }
  const api = `${base}/api/signer/v1/sessions/${token}`;
  const phase1 = await fetch(`${api}/certificate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ certificate }),
  });
  const { digestInfo } = (await phase1.json()) as { digestInfo: string };
  const signature = await jpki.signWithSigningKey(Buffer.from(digestInfo, 'base64'));
  return { api, signature: signature.toString('base64') };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { sessions: { type: 'string' }, concurrency: { type: 'string' } },
  });
  const sessions = Number(values.sessions ?? 1500);
  const concurrency = Number(values.concurrency ?? 32);
  const dir = mkdtempSync(join(tmpdir(), 'bench-signing-'));
  const jlisPort = await freePort();
  const jlis = await SimulatedJlis.open(join(dir, 'jlis'), {
    baseUrl: `http://127.0.0.1:${jlisPort}`,
  });
  const jlisServer = await jlis.listen(jlisPort, '127.0.0.1');
  const anchors = jlis.trustAnchors();
  writeFileSync(join(dir, 'root.der'), anchors.root);
  writeFileSync(join(dir, 'sign-ca.der'), anchors.signCa);

  const card = await VirtualMyNumberCard.create({
    basicFour: {
      name: '窓口\u3000花子',
      address: '東京都千代田区霞が関２丁目１番２号',
      birthdate: '19900102',
      sex: '2',
    },
    signPassword: SIGN_PASSWORD,
    authPin: '1234',
    textPin: '5678',
  });
  const keys = card.publicKeys();
  card.installCertificates(
    await jlis.issueCard({
      name: '窓口\u3000花子',
      address: '東京都千代田区霞が関２丁目１番２号',
      birthdate: '19900102',
      sex: '2',
      signPublicKey: keys.sign,
      authPublicKey: keys.auth,
    }),
  );
  const jpki = new JpkiCard(new InProcessTransport(card));
  await jpki.selectJpkiAp();
  await jpki.verifySignPassword(SIGN_PASSWORD);
  const certificate = (await jpki.readSigningCertificate()).toString('base64');

  // NODE_ENV=development as the embedded default runs: production rightly refuses the simulated J-LIS's test policy.
  const portal = await startServer('portal', join(ROOT, 'dist/apps/portal/src/main.js'), {
    NODE_ENV: 'development',
    PORTAL_PORT: String(await freePort()),
    PORTAL_DATABASE_URL: `sqlite:${join(dir, 'portal.sqlite')}`,
    PORTAL_DATA_DIR: join(dir, 'portal'),
    FORMS_DIR: join(ROOT, 'test/fixtures/forms'),
    TRANSFER_KEY: 'b'.repeat(40),
    PORTAL_COOKIE_SECRET: 'c'.repeat(40),
    JPKI_TRUST_ANCHORS: join(dir, 'root.der'),
    JPKI_INTERMEDIATES: join(dir, 'sign-ca.der'),
    JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
    LOG_LEVEL: 'warn',
  });
  try {
    console.log(
      `preparing ${sessions} signing sessions over HTTP (draft, session, certificate, card signature) …`,
    );
    const t0 = performance.now();
    const prepared: Prepared[] = [];
    for (let i = 0; i < sessions; i += 16) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(16, sessions - i) }, (_, k) =>
          prepareOne(portal.url, i + k, certificate, jpki),
        ),
      );
      prepared.push(...batch);
    }
    console.log(`  ${sessions} sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // One signature first, so the OCSP answer is fetched and cached as it would be after the first resident.
    const warm = prepared.shift() as Prepared;
    await fetch(`${warm.api}/signature`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signature: warm.signature }),
    });

    console.log(`posting ${prepared.length} signatures, ${concurrency} at a time …`);
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < prepared.length) {
          const p = prepared[next++];
          const t = performance.now();
          const res = await fetch(`${p.api}/signature`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ signature: p.signature }),
          });
          await res.arrayBuffer();
          latencies.push(performance.now() - t);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    const ok = statuses.get(200) ?? 0;
    const db = new Database(join(dir, 'portal.sqlite'), { readonly: true });
    const stored = (
      db.prepare('SELECT count(*) AS n FROM application WHERE identity IS NOT NULL').get() as {
        n: number;
      }
    ).n;
    db.close();
    const rate = ok / seconds;
    console.log('');
    console.log(
      'post signature → receipt (assemble CMS, full verification with cached OCSP, store)',
    );
    console.log(`  ${ok} receipts in ${seconds.toFixed(2)} s: ${rate.toFixed(0)}/s`);
    console.log(
      `  latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
    );
    console.log(
      `  status codes ${JSON.stringify(Object.fromEntries(statuses))}; ${stored} signed applications stored`,
    );
    console.log(`${rate >= 300 ? 'MET   ' : 'MISSED'} ≥ 300 receipts/s (${rate.toFixed(0)}/s)`);
    if (ok !== prepared.length || stored !== prepared.length + 1) {
      process.exitCode = 1;
      console.error(
        'wrong results: every prepared signature should give a receipt and a stored application',
      );
    }
  } finally {
    await portal.stop();
    await jlisServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
