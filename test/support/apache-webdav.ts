/**
 * Debian's Apache httpd with mod_dav / mod_dav_fs, started by a test on a loopback port with its own ServerRoot and
 * configuration in a temporary folder (one process, -X), Basic authentication from its own password file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const MODULES = '/usr/lib/apache2/modules';

export interface ApacheWebdav {
  /** the WebDAV collection, ending in / */
  url: string;
  username: string;
  password: string;
  /** where mod_dav_fs keeps the collection's files */
  root: string;
  stop(): Promise<void>;
  /** every file under the collection (relative paths), for counting what the server holds */
  files(): string[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) {
      throw new Error(`apache2 exited (${child.exitCode}): ${log()}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'OPTIONS' });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`apache2 did not listen on ${port}: ${log()}`);
}

function listFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...listFiles(root, path));
    } else {
      out.push(relative(root, path));
    }
  }
  return out.sort();
}

export async function startApacheWebdav(): Promise<ApacheWebdav> {
  const base = mkdtempSync(join(tmpdir(), 'apache-dav-'));
  const root = join(base, 'dav');
  mkdirSync(join(root, 'archive'), { recursive: true });
  mkdirSync(join(base, 'locks'));
  // the server process runs as the unprivileged user when started by root: it must write the collection
  for (const d of [base, root, join(root, 'archive'), join(base, 'locks')]) {
    chmodSync(d, 0o777);
  }
  const port = await freePort();
  const username = 'archive';
  const password = 'dav-password-for-tests';
  // Apache's {SHA} password format: base64 of the SHA-1
  writeFileSync(
    join(base, 'passwd'),
    `${username}:{SHA}${createHash('sha1').update(password).digest('base64')}\n`,
    { mode: 0o644 },
  );
  const isRoot = process.getuid?.() === 0;
  const conf = join(base, 'httpd.conf');
  writeFileSync(
    conf,
    [
      `ServerRoot "${base}"`,
      `Listen 127.0.0.1:${port}`,
      `ServerName 127.0.0.1`,
      `PidFile "${base}/httpd.pid"`,
      `ErrorLog "${base}/error.log"`,
      `LogLevel warn`,
      // one process (-X) serves one connection at a time: a kept-alive idle connection would block the next
      'KeepAlive Off',
      `Mutex file:${base}`,
      ...[
        'mpm_prefork',
        'authz_core',
        'authn_core',
        'authn_file',
        'auth_basic',
        'authz_user',
        'dav',
        'dav_fs',
      ].map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
      ...(isRoot ? ['User nobody', 'Group nogroup'] : []),
      `DavLockDB "${base}/locks/DavLock"`,
      `DocumentRoot "${root}"`,
      `<Directory "${root}">`,
      '  Dav On',
      '  AuthType Basic',
      '  AuthName "archive"',
      `  AuthUserFile "${base}/passwd"`,
      '  Require valid-user',
      '</Directory>',
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/sbin/apache2', ['-f', conf, '-X'], {
    stdio: 'ignore',
    env: { ...process.env, APACHE_RUN_DIR: base, APACHE_LOCK_DIR: base, APACHE_LOG_DIR: base },
  });
  const log = () => {
    try {
      return readFileSync(join(base, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  await waitForPort(port, child, log);
  return {
    url: `http://127.0.0.1:${port}/archive/`,
    username,
    password,
    root: join(root, 'archive'),
    files: () => listFiles(join(root, 'archive')),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}
