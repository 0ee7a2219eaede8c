/**
 * The embedded default (`npm start`): the whole platform on one machine with SQLite files under ./data —
 * the simulated J-LIS (test CA, CRL, OCSP), the resident portal (Internet zone) and the back office (LGWAN zone),
 * each as its own process, as they would run on separate hosts. Ctrl-C stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const dataDir = resolve(process.env.MADOGUCHI_DATA_DIR ?? join(root, 'data'));
const dist = join(root, 'dist');

const PORTAL_PORT = process.env.PORTAL_PORT ?? '3000';
const BACKOFFICE_PORT = process.env.BACKOFFICE_PORT ?? '3001';
const JLIS_PORT = process.env.JLIS_PORT ?? '3002';

/** A secret made once on first start and kept in ./data (never printed). */
function persistentSecret(name: string): string {
  const file = join(dataDir, 'secrets', name);
  if (!existsSync(file)) {
    mkdirSync(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

const children: ChildProcess[] = [];
let stopping = false;

function run(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
): ChildProcess {
  const child = spawn(process.execPath, [join(dist, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}] `;
  const forward = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream): void => {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        out.write(prefix + line + '\n');
      }
    });
  };
  if (child.stdout) {
    forward(child.stdout, process.stdout);
  }
  if (child.stderr) {
    forward(child.stderr, process.stderr);
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${prefix}exited (${signal ?? code}); stopping madoguchi`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** The demo resident: fictional, for the simulated J-LIS only. Its secrets are printed so a newcomer can sign. */
const DEMO_CARD = {
  name: '窓口\u3000太郎',
  address: '東京都千代田区霞が関２丁目１番２号',
  birthdate: '1985-04-01',
  sex: '1',
  signPassword: 'DEMO2026',
  pin: '1234',
};

async function writeTrustFiles(jlisUrl: string): Promise<{ root: string; signCa: string }> {
  const dir = join(dataDir, 'trust');
  mkdirSync(dir, { recursive: true });
  const files = {
    root: join(dir, 'jlis-test-root.der'),
    signCa: join(dir, 'jlis-test-sign-ca.der'),
  };
  for (const [name, file] of [
    ['root', files.root],
    ['sign-ca', files.signCa],
  ] as const) {
    const res = await fetch(`${jlisUrl}/ca/${name}.cer`);
    if (!res.ok) {
      throw new Error(`simulated J-LIS did not give its ${name} certificate (${res.status})`);
    }
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  }
  return files;
}

async function ensureDemoCard(
  jlisDir: string,
  jlisUrl: string,
): Promise<{ file: string; isNew: boolean }> {
  const file = join(dataDir, 'demo-card.json');
  if (existsSync(file)) {
    return { file, isNew: false };
  }
  const args = [
    join(dist, 'libs/virtual-card/src/cli/virtual-card.js'),
    'create',
    '--out',
    file,
    '--name',
    DEMO_CARD.name,
    '--address',
    DEMO_CARD.address,
    '--birthdate',
    DEMO_CARD.birthdate,
    '--sex',
    DEMO_CARD.sex,
    '--sign-password',
    DEMO_CARD.signPassword,
    '--pin',
    DEMO_CARD.pin,
    '--jlis-dir',
    jlisDir,
    '--jlis-url',
    jlisUrl,
  ];
  await new Promise<void>((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`could not create the demo card (exit ${code})`)),
    );
  });
  return { file, isNew: true };
}

async function stop(code: number): Promise<void> {
  if (stopping) {
    return;
  }
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((done) => {
          if (c.exitCode !== null || c.signalCode !== null) {
            done();
            return;
          }
          c.once('exit', () => done());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  process.exit(code);
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const transferKey = persistentSecret('transfer.key');
  const jlisDir = join(dataDir, 'jlis');
  const jlisUrl = `http://127.0.0.1:${JLIS_PORT}`;
  run(
    'jlis',
    'libs/virtual-card/src/jlis/cli/jlis.js',
    ['serve', '--dir', jlisDir, '--port', JLIS_PORT],
    {},
  );
  await waitFor(`${jlisUrl}/ca/root.cer`);
  const trust = await writeTrustFiles(jlisUrl);
  const demoCard = await ensureDemoCard(jlisDir, jlisUrl);
  // Both zones verify signatures against the simulated J-LIS (a TEST hierarchy: never in production).
  const trustEnv = {
    JPKI_TRUST_ANCHORS: trust.root,
    JPKI_INTERMEDIATES: trust.signCa,
    JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
  };
  run('portal', 'apps/portal/src/main.js', [], {
    PORTAL_PORT,
    PORTAL_DATABASE_URL:
      process.env.PORTAL_DATABASE_URL ?? `sqlite:${join(dataDir, 'portal.sqlite')}`,
    PORTAL_DATA_DIR: join(dataDir, 'portal'),
    PORTAL_PUBLIC_URL: process.env.PORTAL_PUBLIC_URL ?? `http://localhost:${PORTAL_PORT}`,
    PORTAL_COOKIE_SECRET: persistentSecret('portal-cookie.key'),
    TRANSFER_KEY: transferKey,
    ...trustEnv,
  });
  run('backoffice', 'apps/backoffice/src/main.js', [], {
    BACKOFFICE_PORT,
    BACKOFFICE_DATABASE_URL:
      process.env.BACKOFFICE_DATABASE_URL ?? `sqlite:${join(dataDir, 'backoffice.sqlite')}`,
    BACKOFFICE_DATA_DIR: join(dataDir, 'backoffice'),
    BACKOFFICE_COOKIE_SECRET: persistentSecret('backoffice-cookie.key'),
    BACKOFFICE_SECRETS_KEY: persistentSecret('backoffice-secrets.key'),
    PORTAL_TRANSFER_URL: `http://127.0.0.1:${PORTAL_PORT}`,
    TRANSFER_KEY: transferKey,
    ...trustEnv,
  });

  await Promise.all([
    waitFor(`http://127.0.0.1:${PORTAL_PORT}/healthz`),
    waitFor(`http://127.0.0.1:${BACKOFFICE_PORT}/healthz`),
  ]);
  console.log(
    [
      '',
      'madoguchi (窓口) is running — embedded default (SQLite under ./data, simulated J-LIS, demo municipality)',
      `  residents (住民向けポータル):   http://localhost:${PORTAL_PORT}/`,
      `  demo municipality forms:      http://localhost:${PORTAL_PORT}/m/990019`,
      `  staff back office (職員用):    http://localhost:${BACKOFFICE_PORT}/`,
      `  simulated J-LIS (TEST CA):    http://127.0.0.1:${JLIS_PORT}/ (CRL, OCSP)`,
      '',
      `  demo My Number Card (virtual): ${demoCard.file}`,
      `    signing password 署名用パスワード: ${DEMO_CARD.signPassword}   card-face PIN 暗証番号: ${DEMO_CARD.pin}`,
      '    use it with: npm run signer -- <URL from the QR code> --virtual-card ' + demoCard.file,
      ...(demoCard.isNew
        ? ['    (a fictional TEST card issued by the simulated J-LIS; never a real person)']
        : []),
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  console.error(`madoguchi: ${(e as Error).message}`);
  void stop(1);
});
