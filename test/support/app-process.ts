import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * A port that was free a moment ago, kept for every restart so the other app's URL stays valid. Drawn below the
 * kernel's ephemeral range (32768–60999 here), where outgoing connections of anything on the machine could take it
 * while the app is down between a kill and its restart.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const isFree = await new Promise<boolean>((ok) => {
      const server = createServer();
      server.once('error', () => ok(false));
      server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
    });
    if (isFree) {
      return port;
    }
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, newestMtime(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/**
 * Builds dist/ when an entry point is missing or older than the sources of apps/ and libs/ (`npm run test:e2e`
 * builds first anyway; this covers running jest on the file directly).
 */
export function ensureBuilt(entries: string[]): void {
  const paths = entries.map((e) => join(REPO_ROOT, e));
  const built = Math.min(...paths.map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)));
  const sources = Math.max(
    newestMtime(join(REPO_ROOT, 'apps')),
    newestMtime(join(REPO_ROOT, 'libs')),
  );
  if (built >= sources) {
    return;
  }
  execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

/**
 * A private copy of dist/ under `dir`, so that a rebuild by someone else in the shared tree (tsc writes before
 * tsc-alias rewrites the aliases) cannot break a restart halfway through a test. apps/ (views, public) and
 * node_modules are linked from the repository. Returns the root to pass to AppProcess.
 */
export async function snapshotDist(dir: string): Promise<string> {
  const root = join(dir, 'app');
  for (let attempt = 1; ; attempt++) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    cpSync(join(REPO_ROOT, 'dist'), join(root, 'dist'), { recursive: true });
    const unresolved = listFiles(join(root, 'dist')).filter(
      (f) => f.endsWith('.js') && readFileSync(f, 'utf8').includes('require("@madoguchi/'),
    );
    if (unresolved.length === 0) {
      break;
    }
    if (attempt === 10) {
      throw new Error(`dist/ is mid-build (aliases not rewritten): ${unresolved[0]}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  symlinkSync(join(REPO_ROOT, 'apps'), join(root, 'apps'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/**
 * One built app as a real operating-system process: started, waited for on its health endpoint, and stopped
 * either cleanly (SIGTERM) or the hard way (SIGKILL, nothing flushed, no shutdown hooks).
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<ExitStatus> | undefined;
  private output = '';
  starts = 0;

  constructor(
    readonly name: string,
    /** the root holding dist/ (the repository, or a snapshotDist) */
    private readonly root: string,
    private readonly entry: string,
    readonly baseUrl: string,
    private readonly env: Record<string, string>,
    /** what the app prints once it listens: a health answer alone could come from whoever else has the port */
    private readonly readyLine: RegExp,
    private readonly healthPath = '/healthz',
  ) {}

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  /** Everything the process wrote since it was spawned (its last 20 000 characters). */
  get log(): string {
    return this.output;
  }

  /** The last lines the process wrote, for a failure message. */
  get tail(): string {
    return this.output.slice(-4000);
  }

  spawn(): void {
    if (this.child) {
      throw new Error(`${this.name} is already running`);
    }
    this.output = '';
    const child = spawn(process.execPath, [join(this.root, this.entry)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
    this.child = child;
    this.starts += 1;
  }

  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let isExited = false;
    void this.exited?.then(() => (isExited = true));
    while (Date.now() < deadline) {
      if (isExited) {
        throw new Error(`${this.name} exited while starting:\n${this.tail}`);
      }
      try {
        const res = await fetch(new URL(this.healthPath, this.baseUrl), {
          signal: AbortSignal.timeout(2000),
        });
        if (res.ok && this.readyLine.test(this.output)) {
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${this.name} not healthy after ${timeoutMs} ms:\n${this.tail}`);
  }

  async start(): Promise<void> {
    this.spawn();
    await this.waitHealthy();
  }

  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** A clean stop: Nest's shutdown hooks run on SIGTERM (the worker stops, the database closes). */
  async stop(): Promise<ExitStatus> {
    return this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<ExitStatus> {
    const child = this.child;
    if (!child || !this.exited) {
      throw new Error(`${this.name} is not running`);
    }
    child.kill(signal);
    const status = await this.exited;
    this.child = undefined;
    return status;
  }
}
