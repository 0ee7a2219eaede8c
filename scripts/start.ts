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
  run(
    'jlis',
    'libs/virtual-card/src/jlis/cli/jlis.js',
    ['serve', '--dir', jlisDir, '--port', JLIS_PORT],
    {},
  );
  run('portal', 'apps/portal/src/main.js', [], {
    PORTAL_PORT,
    PORTAL_DATABASE_URL:
      process.env.PORTAL_DATABASE_URL ?? `sqlite:${join(dataDir, 'portal.sqlite')}`,
    PORTAL_DATA_DIR: join(dataDir, 'portal'),
    PORTAL_PUBLIC_URL: process.env.PORTAL_PUBLIC_URL ?? `http://localhost:${PORTAL_PORT}`,
    PORTAL_COOKIE_SECRET: persistentSecret('portal-cookie.key'),
    TRANSFER_KEY: transferKey,
  });
  run('backoffice', 'apps/backoffice/src/main.js', [], {
    BACKOFFICE_PORT,
    BACKOFFICE_DATABASE_URL:
      process.env.BACKOFFICE_DATABASE_URL ?? `sqlite:${join(dataDir, 'backoffice.sqlite')}`,
    BACKOFFICE_DATA_DIR: join(dataDir, 'backoffice'),
    BACKOFFICE_COOKIE_SECRET: persistentSecret('backoffice-cookie.key'),
    PORTAL_TRANSFER_URL: `http://127.0.0.1:${PORTAL_PORT}`,
    TRANSFER_KEY: transferKey,
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
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  console.error(`madoguchi: ${(e as Error).message}`);
  void stop(1);
});
