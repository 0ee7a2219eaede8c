import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { generateFictionalMyNumber, type SimulatedJlis } from '@madoguchi/virtual-card';
import { EXIT_CODE, runSignerCli, SignerErrorCode } from '../apps/signer/src';
import { ensureBuilt, REPO_ROOT } from './support/app-process';
import { ResidentAgent } from './support/portal-client';
import { freePort, issueCard, startJlis } from './support/signing-env';

jest.setTimeout(120_000);

const PORTAL_ENTRY = 'dist/apps/portal/src/main.js';
const FORM = '/m/990019/forms/test-cardface';

// Chosen so that a chance match elsewhere is implausible: the PIN has a leading zero (no integer is printed so) and
// is matched only where it stands alone; the password is long and unusual.
const TEXT_PIN = '0729';
const SIGN_PASSWORD = 'PRIVSCAN42Q';
const WRONG_PASSWORD = 'WRONGPW7731';

/** The individual number in every shape a careless log line or column could take (ARCHITECTURE.md, privacy). */
function findSecrets(
  haystack: Buffer,
  secrets: { myNumber: string; pins: string[]; passwords: string[] },
): string[] {
  const found: string[] = [];
  const n = secrets.myNumber;
  const fullWidth = [...n].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
  const forms: [string, Buffer][] = [
    ['ASCII', Buffer.from(n, 'latin1')],
    ['UTF-16LE', Buffer.from(n, 'utf16le')],
    ['UTF-16BE', Buffer.from(n, 'utf16le').swap16()],
    ['full-width UTF-8', Buffer.from(fullWidth, 'utf8')],
    ['full-width UTF-16LE', Buffer.from(fullWidth, 'utf16le')],
    ['hex of ASCII', Buffer.from(Buffer.from(n).toString('hex'))],
  ];
  for (const [label, needle] of forms) {
    if (haystack.includes(needle)) {
      found.push(`individual number (${label})`);
    }
  }
  // Separators removed: "1234 5678 9012", "1234-5678-9012", one digit per UTF-16 unit, a digit per JSON array item…
  const digitsOnly = Buffer.from(haystack.filter((b) => b >= 0x30 && b <= 0x39));
  if (!found.length && digitsOnly.includes(Buffer.from(n))) {
    const loose = new RegExp(n.split('').join('[\\s\\-_.,:/"\'\\[\\]\\x00]{0,4}'));
    if (loose.test(haystack.toString('latin1'))) {
      found.push('individual number (with separators)');
    }
  }
  const text = haystack.toString('latin1');
  const utf16 = haystack.toString('utf16le');
  for (const pin of secrets.pins) {
    const alone = new RegExp(`(?<![0-9A-Za-z.+/_-])${pin}(?![0-9A-Za-z])`);
    if (alone.test(text) || alone.test(utf16)) {
      found.push(`PIN ${pin}`);
    }
  }
  for (const password of secrets.passwords) {
    const p = password.toLowerCase();
    if (text.toLowerCase().includes(p) || utf16.toLowerCase().includes(p)) {
      found.push(`password ${password}`);
    }
  }
  return found;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/**
 * Issue 4 §6: the whole flow (card-face reading, then signing) with a virtual card whose individual number is
 * known, the portal a real process with its log in a file and its SQLite and data folder in a temp dir; afterwards
 * not one byte of them holds the number, the PIN or the password.
 */
describe('privacy: the individual number, PINs and passwords leave no trace in the portal', () => {
  const myNumber = generateFictionalMyNumber();
  const secrets = { myNumber, pins: [TEXT_PIN], passwords: [SIGN_PASSWORD, WRONG_PASSWORD] };
  let dir: string;
  let portalDir: string;
  let logFile: string;
  let base: string;
  let portal: ChildProcess | undefined;
  let exited: Promise<number | null>;
  let jlis: SimulatedJlis;
  let closeJlis: () => Promise<void>;
  let cardFile: string;

  beforeAll(async () => {
    ensureBuilt([PORTAL_ENTRY]);
    dir = mkdtempSync(join(tmpdir(), 'privacy-e2e-'));
    // The portal's own things in one folder (scanned); the card's state (which *is* the card) and J-LIS elsewhere.
    portalDir = join(dir, 'portal');
    mkdirSync(join(portalDir, 'data'), { recursive: true });
    mkdirSync(join(dir, 'cards'));
    logFile = join(portalDir, 'portal.log');
    const started = await startJlis(dir);
    jlis = started.jlis;
    closeJlis = started.close;
    const issued = await issueCard(jlis, {
      myNumber,
      textPin: TEXT_PIN,
      signPassword: SIGN_PASSWORD,
    });
    cardFile = join(dir, 'cards', 'card.json');
    issued.card.saveTo(cardFile);

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const log = openSync(logFile, 'a');
    portal = spawn(process.execPath, [join(REPO_ROOT, PORTAL_ENTRY)], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'debug',
        PORTAL_PORT: String(port),
        PORTAL_PUBLIC_URL: base,
        // SQLite always, whatever TEST_POSTGRES_URL says: its file is what is scanned.
        PORTAL_DATABASE_URL: `sqlite:${join(portalDir, 'portal.sqlite')}`,
        PORTAL_DATA_DIR: join(portalDir, 'data'),
        FORMS_DIR: join(REPO_ROOT, 'test', 'fixtures', 'forms'),
        JPKI_TRUST_ANCHORS: started.rootFile,
        JPKI_INTERMEDIATES: started.signCaFile,
        JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    exited = new Promise((ok) => portal?.once('exit', (code) => ok(code)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) {
          break;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || portal.exitCode !== null) {
        throw new Error(`portal did not start:\n${readFileSync(logFile, 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    if (portal && portal.exitCode === null) {
      portal.kill('SIGKILL');
      await exited;
    }
    await closeJlis?.();
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  async function signer(url: string, secret: string) {
    const stdin = new PassThrough();
    stdin.end(`${secret}\n`);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSignerCli([url, '--virtual-card', cardFile, '--pin-stdin'], {
      stdin,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      write: () => undefined,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  function qrUrlOf(html: string): string {
    const url = /href="(http[^"]+\/s\/[A-Za-z0-9_-]+)"/.exec(html)?.[1] ?? '';
    expect(url.startsWith(`${base}/s/`)).toBe(true);
    return url;
  }

  /** The values a browser would submit from a form page: inputs, checked radios, textareas. */
  function fieldsOf(html: string): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const [tag] of html.matchAll(/<input\b[^>]*>/g)) {
      const name = /\bname="([^"]+)"/.exec(tag)?.[1];
      const value = /\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '';
      const type = /\btype="([^"]+)"/.exec(tag)?.[1] ?? 'text';
      if (!name || name === '_csrf' || (type === 'radio' && !/\bchecked\b/.test(tag))) {
        continue;
      }
      fields[name] = value;
    }
    for (const [, name, value] of html.matchAll(
      /<textarea\b[^>]*\bname="([^"]+)"[^>]*>([^<]*)<\/textarea>/g,
    )) {
      fields[name] = value;
    }
    return fields;
  }

  function scanPortal(): Record<string, string[]> {
    const hits: Record<string, string[]> = {};
    const files = filesUnder(portalDir);
    for (const file of files) {
      const found = findSecrets(readFileSync(file), secrets);
      if (found.length) {
        hits[relative(portalDir, file)] = found;
      }
    }
    return hits;
  }

  it('the scan itself finds each secret in every shape it looks for', () => {
    const spaced = myNumber.replace(/(\d{4})(?=\d)/g, '$1 ');
    const samples = [
      `{"myNumber":"${myNumber}"}`,
      `番号 ${spaced}`,
      `n=${myNumber.replace(/(\d{4})(?=\d)/g, '$1-')}`,
    ].map((s) => Buffer.from(s));
    samples.push(Buffer.from(`x${myNumber}x`, 'utf16le'));
    samples.push(Buffer.from(`x${myNumber}x`, 'utf16le').swap16());
    for (const sample of samples) {
      const found = findSecrets(sample, secrets);
      expect(found).not.toEqual([]);
      expect(found.filter((f) => !f.startsWith('individual number'))).toEqual([]);
    }
    expect(findSecrets(Buffer.from(`{"pin":"${TEXT_PIN}"}`), secrets)).toEqual([`PIN ${TEXT_PIN}`]);
    expect(findSecrets(Buffer.from(`pw=${SIGN_PASSWORD.toLowerCase()}`), secrets)).toEqual([
      `password ${SIGN_PASSWORD}`,
    ]);
    // …and no false alarm on what the portal legitimately holds: timestamps, receipts, hashes.
    const benign = Buffer.from(
      '2026-07-29T07:29:00.729Z 20260729-00000729 sha256:ab0729cd 12.0729 len 10729',
    );
    expect(findSecrets(benign, secrets)).toEqual([]);
  });

  it('runs card-face reading and signing, a mistyped password included, and the portal keeps none of it', async () => {
    const r = new ResidentAgent(base);
    await r.submit(FORM, `${FORM}/start`, {});
    const step = await r.page(`${FORM}/steps/1`);
    const cardface = await r.agent.post(`${FORM}/cardface`).type('form').send({ _csrf: step.csrf });
    expect(cardface.status).toBe(200);

    const read = await signer(qrUrlOf(cardface.text), TEXT_PIN);
    expect(read.err).toBe('');
    expect(read.code).toBe(EXIT_CODE.ok);

    const filled = await r.page(`${FORM}/steps/1?cardface=1`);
    expect(filled.text).toContain('value="花子"');
    const next = await r.agent
      .post(`${FORM}/steps/1`)
      .type('form')
      .send({ _csrf: filled.csrf, ...fieldsOf(filled.text) });
    expect(next.status).toBe(303);
    expect(next.headers.location).toBe(`${FORM}/confirm`);
    const confirm = await r.page(`${FORM}/confirm`);
    const signing = await r.agent.post(`${FORM}/sign`).type('form').send({ _csrf: confirm.csrf });
    const qrUrl = qrUrlOf(signing.text);

    const wrong = await signer(qrUrl, WRONG_PASSWORD);
    expect(wrong.code).toBe(EXIT_CODE[SignerErrorCode.WrongPin]);
    const signed = await signer(qrUrl, SIGN_PASSWORD);
    expect(signed.err).toBe('');
    expect(signed.code).toBe(EXIT_CODE.ok);
    const receipt = /受付番号: (\S+)/.exec(signed.out)?.[1] ?? '';
    expect(receipt).toMatch(/^\d{8}-\d{8}$/);

    // While the portal runs: the database with its -wal and -shm, the data folder, the log so far.
    const files = filesUnder(portalDir).map((f) => relative(portalDir, f));
    expect(files).toEqual(expect.arrayContaining(['portal.sqlite', 'portal.log']));
    expect(readFileSync(logFile, 'utf8')).toContain('portal: listening');
    expect(scanPortal()).toEqual({});

    // After a clean stop (the WAL checkpointed into the main file, the log flushed).
    portal?.kill('SIGTERM');
    await exited;
    expect(scanPortal()).toEqual({});
    // The card-face details did reach the database (so the scan looked where data lands).
    expect(readFileSync(join(portalDir, 'portal.sqlite')).includes(Buffer.from(receipt))).toBe(
      true,
    );
  });
});
