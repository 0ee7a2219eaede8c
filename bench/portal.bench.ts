/**
 * Throughput of the resident portal as built for production, beside a bare NestJS route on the same Fastify adapter
 * in the same run (issue 2 §10). Each server and the load generator (autocannon) run in their own processes:
 * (a) GET of the 粗大ごみ form page as a first visit (no cookies: every request gets a new CSRF secret, its signed
 * cookie and a token; no draft, so no database access), (b) durable submissions on SQLite, one prepared draft per
 * request. The bare route is Nest's hello world: `GET /` answering the 12 bytes "Hello World!" as text/plain, with
 * no security headers, cookies or views. The two GET targets alternate in `--rounds` slices, so that other work on
 * the machine hits both alike; beside requests/s the bench prints each server's CPU time per request, which such
 * work hardly moves.
 * Run: npm run bench:portal [-- --duration 8 --rounds 2 --connections 50 --drafts 4000 --cpu-prof]
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { LoadJob, LoadResult } from './support/load-job';
import { FORM_PAGE_PATH, prepareDrafts, SUBMIT_PATH } from './support/resident-drafts';
import { startServer, type ServerProcess } from './support/server-process';
import { processCpuMicros } from './support/process-cpu';
import { monotonicMicros, summarizeCpuProfile, type ProfileWindow } from './support/cpu-profile';

const ROOT = resolve(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');

const TARGET_FORM_RATIO = 0.5;
const TARGET_FORM_P99_MS = 50;
const TARGET_SUBMITS_PER_SECOND = 500;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    drafts: { type: 'string', default: '4000' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const DRAFTS = Number(args.drafts);
const ROUNDS = Math.max(1, Number(args.rounds));

/** A load result with the server's CPU time per request over the same runs. */
type Measured = LoadResult & { cpuMicrosPerRequest?: number };

let jobs = 0;
/** One autocannon run in its own process (asynchronously, so the servers' output keeps being drained). */
async function load(dir: string, job: LoadJob): Promise<LoadResult> {
  const file = join(dir, `job-${++jobs}.json`);
  writeFileSync(file, JSON.stringify(job));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(DIST, 'bench', 'support', 'autocannon.worker.js'), file],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as LoadResult;
}

/** One load run with the server's CPU time around it. */
async function measure(dir: string, server: ServerProcess, job: LoadJob): Promise<Measured> {
  const before = processCpuMicros(server.child.pid);
  const result = await load(dir, job);
  const after = processCpuMicros(server.child.pid);
  return {
    ...result,
    cpuMicrosPerRequest:
      before !== undefined && after !== undefined && result.requests > 0
        ? (after - before) / result.requests
        : undefined,
  };
}

/** Several slices of one target as one result: counts and CPU summed, the worst p99 and max, the p50 weighted. */
function combine(slices: Measured[]): Measured {
  const sum = (f: (r: Measured) => number) => slices.reduce((a, r) => a + f(r), 0);
  const requests = sum((r) => r.requests);
  const seconds = sum((r) => r.seconds);
  const statusCodes: Record<string, number> = {};
  for (const r of slices) {
    for (const [code, n] of Object.entries(r.statusCodes)) {
      statusCodes[code] = (statusCodes[code] ?? 0) + n;
    }
  }
  const cpu = slices.every((r) => r.cpuMicrosPerRequest !== undefined)
    ? sum((r) => (r.cpuMicrosPerRequest ?? 0) * r.requests) / requests
    : undefined;
  return {
    seconds,
    requests,
    requestsPerSecond: requests / seconds,
    p50: sum((r) => r.p50 * r.requests) / requests,
    p99: Math.max(...slices.map((r) => r.p99)),
    max: Math.max(...slices.map((r) => r.max)),
    ok: sum((r) => r.ok),
    other: sum((r) => r.other),
    errors: sum((r) => r.errors),
    statusCodes,
    cpuMicrosPerRequest: cpu,
  };
}

function row(name: string, r: Measured): string {
  return [
    name.padEnd(40),
    r.requestsPerSecond.toFixed(0).padStart(9),
    r.p50.toFixed(0).padStart(7),
    r.p99.toFixed(0).padStart(7),
    r.max.toFixed(0).padStart(7),
    String(r.requests).padStart(9),
    String(r.other + r.errors).padStart(7),
    (r.cpuMicrosPerRequest?.toFixed(0) ?? '–').padStart(10),
  ].join(' ');
}

function verdict(ok: boolean, text: string): string {
  return `${ok ? 'MET   ' : 'MISSED'} ${text}`;
}

async function main(): Promise<void> {
  const dir = join(ROOT, 'tmp', `bench-portal-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const dbFile = join(dir, 'portal.sqlite');
  const profileDir = join(dir, 'cpu-profile');
  const servers: ServerProcess[] = [];
  const failures: string[] = [];
  try {
    const bare = await startServer(
      'bare Nest',
      join(DIST, 'bench', 'support', 'bare-nest.main.js'),
      {
        PORT: '0',
      },
    );
    servers.push(bare);
    const portal = await startServer(
      'portal',
      join(DIST, 'apps', 'portal', 'src', 'main.js'),
      {
        NODE_ENV: 'production',
        PORTAL_PORT: '0',
        PORTAL_HOST: '127.0.0.1',
        PORTAL_PUBLIC_URL: 'http://127.0.0.1:3000',
        PORTAL_DATABASE_URL: `sqlite:${dbFile}`,
        PORTAL_DATA_DIR: join(dir, 'data'),
        FORMS_DIR: join(ROOT, 'forms'),
        TRANSFER_KEY: randomBytes(32).toString('base64url'),
        PORTAL_COOKIE_SECRET: randomBytes(32).toString('base64url'),
        LOG_LEVEL: 'warn',
      },
      args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    );
    servers.push(portal);
    const formUrl = `${portal.url}${FORM_PAGE_PATH}`;
    const check = await fetch(formUrl);
    if (check.status !== 200 || !(await check.text()).includes('粗大ごみ収集申込')) {
      throw new Error(`GET ${FORM_PAGE_PATH} answered ${check.status}`);
    }

    // Other work on the machine skews every figure: say how busy it was.
    const load1 = () => loadavg()[0].toFixed(1);
    console.log(`${cpus().length} CPUs, load average ${load1()} before the runs`);
    console.log(
      `node ${process.version}, ${CONNECTIONS} connections, ${DURATION} s per GET target ` +
        `(${ROUNDS} alternating slices), ${DRAFTS} drafts for the submissions`,
    );
    console.log('warming up (2 s each, not counted) …');
    await load(dir, { url: bare.url, connections: CONNECTIONS, duration: 2 });
    await load(dir, { url: formUrl, connections: CONNECTIONS, duration: 2 });

    console.log('measuring the bare route and the form page, alternately …');
    const windows: Record<string, ProfileWindow[]> = { 'form page': [] };
    const bareSlices: Measured[] = [];
    const formSlices: Measured[] = [];
    const slice = DURATION / ROUNDS;
    let from = 0;
    for (let round = 0; round < ROUNDS; round++) {
      bareSlices.push(
        await measure(dir, bare, { url: bare.url, connections: CONNECTIONS, duration: slice }),
      );
      from = monotonicMicros();
      formSlices.push(
        await measure(dir, portal, { url: formUrl, connections: CONNECTIONS, duration: slice }),
      );
      windows['form page'].push({ from, to: monotonicMicros() });
    }
    const bareResult = combine(bareSlices);
    const formResult = combine(formSlices);
    const perRound = formSlices.map((f, i) =>
      (f.requestsPerSecond / bareSlices[i].requestsPerSecond).toFixed(2),
    );

    console.log(`preparing ${DRAFTS} drafts filled to the confirmation page over HTTP …`);
    const started = Date.now();
    const drafts = await prepareDrafts(portal.url, DRAFTS);
    const prepSeconds = (Date.now() - started) / 1000;
    console.log(
      `  ${DRAFTS} drafts in ${prepSeconds.toFixed(1)} s (${((DRAFTS * 4) / prepSeconds).toFixed(0)} requests/s, 16 at a time)`,
    );

    console.log('measuring submissions (POST …/submit, a different draft per request) …');
    from = monotonicMicros();
    const submitResult = await measure(dir, portal, {
      url: `${portal.url}${SUBMIT_PATH}`,
      connections: CONNECTIONS,
      duration: DURATION,
      method: 'POST',
      variants: drafts,
    });
    windows.submissions = [{ from, to: monotonicMicros() }];

    await portal.stop();
    const db = new Database(dbFile, { readonly: true });
    const applications = (
      db.prepare('SELECT count(*) AS n FROM application').get() as { n: number }
    ).n;
    const draftsLeft = (db.prepare('SELECT count(*) AS n FROM draft').get() as { n: number }).n;
    db.close();

    console.log(`load average ${load1()} after the runs`);
    const ratio = formResult.requestsPerSecond / bareResult.requestsPerSecond;
    console.log('');
    console.log(
      [
        'target'.padEnd(40),
        'req/s'.padStart(9),
        'p50 ms'.padStart(7),
        'p99 ms'.padStart(7),
        'max ms'.padStart(7),
        'requests'.padStart(9),
        'failed'.padStart(7),
        'CPU µs/req'.padStart(10),
      ].join(' '),
    );
    console.log(row('bare NestJS route (Fastify adapter)', bareResult));
    console.log(row(`portal GET ${FORM_PAGE_PATH}`, formResult));
    console.log(row('portal POST …/submit (SQLite, 1 draft each)', submitResult));
    console.log('');
    console.log(`form page / bare route: ${ratio.toFixed(2)} (slices: ${perRound.join(', ')})`);
    if (formResult.cpuMicrosPerRequest && bareResult.cpuMicrosPerRequest) {
      console.log(
        `server CPU per request, bare route / form page: ` +
          `${(bareResult.cpuMicrosPerRequest / formResult.cpuMicrosPerRequest).toFixed(2)} ` +
          `(the ratio if each server had a core to itself and the load generator kept up)`,
      );
    }
    console.log(
      `submissions: ${submitResult.ok} answered 303, ${applications} application rows, ` +
        `${draftsLeft} drafts left (status codes ${JSON.stringify(submitResult.statusCodes)})`,
    );
    console.log(
      verdict(
        ratio >= TARGET_FORM_RATIO,
        `form page ≥ ${TARGET_FORM_RATIO} × bare route (${ratio.toFixed(2)})`,
      ),
    );
    console.log(
      verdict(
        formResult.p99 < TARGET_FORM_P99_MS,
        `form page p99 < ${TARGET_FORM_P99_MS} ms (${formResult.p99} ms)`,
      ),
    );
    console.log(
      verdict(
        submitResult.requestsPerSecond >= TARGET_SUBMITS_PER_SECOND,
        `≥ ${TARGET_SUBMITS_PER_SECOND} durable submissions/s (${submitResult.requestsPerSecond.toFixed(0)}/s)`,
      ),
    );

    if (formResult.other + formResult.errors > 0) {
      failures.push(`form page: ${formResult.other + formResult.errors} failed requests`);
    }
    if (submitResult.ok !== DRAFTS || applications !== DRAFTS || draftsLeft !== 0) {
      failures.push(
        `submissions: expected ${DRAFTS} accepted and stored, got ${submitResult.ok} answers and ${applications} rows`,
      );
    }
    if (args['cpu-prof']) {
      for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
        const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8'));
        for (const [phase, window] of Object.entries(windows)) {
          console.log(
            `\nportal CPU profile during the ${phase} run, self time (${join(profileDir, file)}):`,
          );
          console.log(summarizeCpuProfile(profile, 20, window));
        }
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  if (failures.length > 0) {
    console.error(`\nFAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
