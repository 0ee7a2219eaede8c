/**
 * npm run bench:backoffice — issue 5 §5, §6, §10: the staff back office with one million applications in SQLite.
 *
 * 1. A fresh database through the real migrations; then the applications are written with better-sqlite3 directly
 *    (one prepared statement, transactions of 50,000 rows, the secondary indexes and the tally triggers set aside
 *    meanwhile and put back after: the back office recreates missing triggers and recounts the tally at boot).
 *    Realistic rows: the demo municipality's five forms with answers for every field, common Japanese names with
 *    their kana, statuses by age, assignees, two years of received dates; 5% for a second municipality.
 * 2. The built back office (dist/apps/backoffice/src/main.js) as its own process on that database; a viewer logs in.
 * 3. Prints the p50/p95 of list pages (several filter combinations, a deep keyset page) and of searches (name in
 *    kanji and kana, receipt number), then a full export: CSV rows/s and the server's peak RSS during it (VmHWM of
 *    /proc/<pid>/status, reset through /proc/<pid>/clear_refs just before). Targets: p95 < 50 ms, RSS < 200 MB.
 *
 * Run: npm run bench:backoffice [-- --rows 1000000 --requests 100]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { loadFormsDirectory, type FieldDefinition, type FormDefinition } from '@madoguchi/forms';
import { openBackofficeDatabase } from '../apps/backoffice/src/database/backoffice.database';
import { DEFAULT_SCRYPT_COST, PasswordHasher } from '../apps/backoffice/src/auth/password.hasher';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { processCpuMicros } from './support/process-cpu';
import { startServer } from './support/server-process';

const ROOT = resolve(__dirname, '..', '..');
const HOME = '990019';
const OTHER = '990027';
const PASSWORD = 'bench staff passphrase 2026';
const TARGET_P95_MS = 50;
const TARGET_RSS_MB = 200;

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '100' },
    keep: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const REQUESTS = Number(args.requests);

// Common family names (with their reading), weighted roughly as in Japan: 佐藤 about 1.5% of people.
const FAMILIES: Array<[string, string, number]> = [
  ['佐藤', 'サトウ', 15],
  ['鈴木', 'スズキ', 14],
  ['高橋', 'タカハシ', 11],
  ['田中', 'タナカ', 10],
  ['伊藤', 'イトウ', 9],
  ['渡辺', 'ワタナベ', 9],
  ['山本', 'ヤマモト', 9],
  ['中村', 'ナカムラ', 8],
  ['小林', 'コバヤシ', 8],
  ['加藤', 'カトウ', 7],
  ['吉田', 'ヨシダ', 7],
  ['山田', 'ヤマダ', 7],
  ['佐々木', 'ササキ', 6],
  ['山口', 'ヤマグチ', 5],
  ['松本', 'マツモト', 5],
  ['井上', 'イノウエ', 5],
  ['木村', 'キムラ', 5],
  ['林', 'ハヤシ', 4],
  ['斎藤', 'サイトウ', 4],
  ['清水', 'シミズ', 4],
  ['山崎', 'ヤマザキ', 4],
  ['森', 'モリ', 4],
  ['池田', 'イケダ', 4],
  ['橋本', 'ハシモト', 4],
  ['阿部', 'アベ', 4],
  ['石川', 'イシカワ', 4],
  ['山下', 'ヤマシタ', 3],
  ['中島', 'ナカジマ', 3],
  ['石井', 'イシイ', 3],
  ['小川', 'オガワ', 3],
  ['前田', 'マエダ', 3],
  ['岡田', 'オカダ', 3],
  ['長谷川', 'ハセガワ', 3],
  ['藤田', 'フジタ', 3],
  ['後藤', 'ゴトウ', 3],
  ['近藤', 'コンドウ', 3],
  ['村上', 'ムラカミ', 3],
  ['遠藤', 'エンドウ', 2],
  ['青木', 'アオキ', 2],
  ['坂本', 'サカモト', 2],
  ['窓口', 'マドグチ', 1],
  ['髙橋', 'タカハシ', 1],
  ['東海林', 'ショウジ', 1],
  ['勅使河原', 'テシガワラ', 1],
];
const GIVEN: Array<[string, string]> = [
  ['翔太', 'ショウタ'],
  ['陽菜', 'ヒナ'],
  ['大翔', 'ヒロト'],
  ['結衣', 'ユイ'],
  ['蓮', 'レン'],
  ['さくら', 'サクラ'],
  ['健一', 'ケンイチ'],
  ['花子', 'ハナコ'],
  ['太郎', 'タロウ'],
  ['美咲', 'ミサキ'],
  ['誠', 'マコト'],
  ['恵子', 'ケイコ'],
  ['浩二', 'コウジ'],
  ['由美', 'ユミ'],
  ['隆', 'タカシ'],
  ['真由美', 'マユミ'],
  ['拓海', 'タクミ'],
  ['葵', 'アオイ'],
  ['和子', 'カズコ'],
  ['博', 'ヒロシ'],
  ['直樹', 'ナオキ'],
  ['愛', 'アイ'],
  ['亮', 'リョウ'],
  ['優子', 'ユウコ'],
  ['学', 'マナブ'],
];
const TOWNS = ['本町', '栄町', '緑が丘', '旭町', '中央', '東町', '西町', '桜台', '若葉', '港南'];

/** Deterministic pseudo-random numbers (mulberry32): the same database for the same --rows. */
let seed = 20261129;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
const familyTable = FAMILIES.flatMap((f) => Array<[string, string, number]>(f[2]).fill(f));

function fold(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, '');
}

function sampleValue(field: FieldDefinition, person: { name: object; address: object }): unknown {
  switch (field.type) {
    case 'japanese-name':
      return field.id === 'name' ? person.name : personName().value;
    case 'address':
      return field.id === 'address' ? person.address : address();
    case 'date':
      return `19${50 + Math.floor(random() * 50)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`;
    case 'tel':
      return `0${Math.floor(random() * 90 + 10)}-${Math.floor(random() * 9000 + 1000)}-${Math.floor(random() * 9000 + 1000)}`;
    case 'email':
      return `resident${Math.floor(random() * 100000)}@example.jp`;
    case 'radio':
    case 'select':
      return field.options ? pick(field.options).value : '';
    case 'checkboxes':
      return field.options ? [pick(field.options).value] : [];
    case 'number':
      return 1 + Math.floor(random() * 3);
    case 'text':
      return '窓口 花子';
    case 'textarea':
      return '平日の午前中に連絡をお願いします。';
    case 'postal-code':
      return '1000001';
    case 'file':
      return undefined;
  }
}

function personName() {
  const [family, familyKana] = pick(familyTable);
  const [given, givenKana] = pick(GIVEN);
  return { value: { family, given, familyKana, givenKana }, family, given, familyKana, givenKana };
}
function address() {
  return {
    postalCode: `100${String(Math.floor(random() * 10000)).padStart(4, '0')}`,
    text: `まどぐち市${pick(TOWNS)}${1 + Math.floor(random() * 9)}-${1 + Math.floor(random() * 30)}-${1 + Math.floor(random() * 20)}`,
  };
}

/** SQLite datetime as TypeORM writes it (UTC). */
function sqliteTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      server.close(() => (a && typeof a === 'object' ? done(a.port) : fail(new Error('no port'))));
    });
  });
}

function seedApplications(file: string, forms: FormDefinition[], assignees: string[]): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const columns = db.prepare('PRAGMA table_info(application)').all() as Array<{
    name: string;
    notnull: number;
    dflt_value: unknown;
  }>;
  const values: Record<string, (r: Record<string, unknown>) => unknown> = {};
  const KNOWN = [
    'id',
    'portal_id',
    'receipt_number',
    'municipality_code',
    'form_id',
    'form_version',
    'form_sha256',
    'title_ja',
    'title_en',
    'answers',
    'status',
    'status_version',
    'submitted_at',
    'received_at',
    'updated_at',
    'department',
    'applicant_name',
    'search_name',
    'search_kana',
    'assignee_id',
  ];
  const missing = columns.filter(
    (c) => c.notnull && c.dflt_value === null && !KNOWN.includes(c.name),
  );
  if (missing.length > 0) {
    throw new Error(
      `bench: application has NOT NULL columns it does not fill: ${missing.map((c) => c.name).join(', ')}`,
    );
  }
  const used = columns.filter((c) => KNOWN.includes(c.name)).map((c) => c.name);
  for (const c of used) {
    values[c] = (r) => r[c];
  }
  // Secondary indexes and the tally triggers aside while writing; put back (exactly as they were) afterwards.
  const saved = db
    .prepare(
      "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'application' AND type IN ('index', 'trigger') AND sql IS NOT NULL",
    )
    .all() as Array<{ type: string; name: string; sql: string }>;
  for (const s of saved) {
    db.exec(`DROP ${s.type.toUpperCase()} "${s.name}"`);
  }
  const insert = db.prepare(
    `INSERT INTO application (${used.join(', ')}) VALUES (${used.map((c) => `@${c}`).join(', ')})`,
  );
  const now = Date.now();
  const span = 730 * 24 * 3600 * 1000;
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      // in received order, so the time-ordered indexes grow at their end
      const receivedMs = now - span + Math.floor((i / ROWS) * span) + Math.floor(random() * 1000);
      const ageDays = (now - receivedMs) / 86_400_000;
      const form = pick(forms);
      const code = random() < 0.05 ? OTHER : HOME;
      const person = personName();
      const answers: Record<string, unknown> = {};
      const personal = { name: person.value, address: address() };
      for (const field of form.sections.flatMap((s) => s.fields)) {
        const v = sampleValue(field, personal);
        if (v !== undefined) {
          answers[field.id] = v;
        }
      }
      const r = random();
      const status =
        ageDays > 30
          ? r < 0.85
            ? 'completed'
            : r < 0.95
              ? 'rejected'
              : 'returned'
          : r < 0.4
            ? 'received'
            : r < 0.75
              ? 'in_review'
              : r < 0.93
                ? 'completed'
                : 'returned';
      const ymd = new Date(receivedMs + 9 * 3600 * 1000)
        .toISOString()
        .slice(0, 10)
        .replaceAll('-', '');
      const row: Record<string, unknown> = {
        id: randomUUID(),
        portal_id: `bench-${i}`,
        receipt_number: `${ymd}-${String(i).padStart(8, '0')}`,
        municipality_code: code,
        form_id: form.id,
        form_version: form.version,
        form_sha256: form.sha256,
        title_ja: form.title.ja,
        title_en: form.title.en ?? null,
        answers: JSON.stringify(answers),
        status,
        status_version: status === 'received' ? 0 : 2,
        submitted_at: sqliteTime(receivedMs - 30_000),
        received_at: sqliteTime(receivedMs),
        updated_at: sqliteTime(receivedMs),
        department: form.department.ja,
        applicant_name: `${person.family} ${person.given}`,
        search_name: fold(person.family + person.given),
        search_kana: fold(person.familyKana + person.givenKana),
        assignee_id: status === 'received' || code === OTHER ? null : pick(assignees),
      };
      insert.run(Object.fromEntries(used.map((c) => [c, values[c](row)])));
    }
  });
  const started = Date.now();
  for (let from = 0; from < ROWS; from += 50_000) {
    write(from, Math.min(ROWS, from + 50_000));
  }
  const wrote = Date.now();
  for (const s of saved.filter((x) => x.type === 'index')) {
    db.exec(s.sql);
  }
  db.exec('ANALYZE');
  console.log(
    `seeded ${ROWS.toLocaleString('en')} applications in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(rows ${((wrote - started) / 1000).toFixed(1)} s, indexes and ANALYZE ${((Date.now() - wrote) / 1000).toFixed(1)} s)`,
  );
  db.close();
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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} cores`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'bench-backoffice-'));
  const file = join(dir, 'backoffice.sqlite');
  const url = `sqlite:${file}`;
  const { forms } = loadFormsDirectory(join(ROOT, 'forms'));
  const homeForms = forms.filter((f) => f.municipalityCode === HOME);

  // the real migrations, the municipalities and the staff, through the app's own code
  const boot = await openBackofficeDatabase(url);
  const staff = new StaffService(boot, new PasswordHasher(DEFAULT_SCRYPT_COST));
  await staff.ensureMunicipalities([
    { code: HOME, name: { ja: 'まどぐち市（デモ）' } },
    { code: OTHER, name: { ja: 'となり町（ベンチ）' } },
  ]);
  await staff.createUser({
    loginId: 'bench-viewer',
    displayName: 'ベンチ 閲覧者',
    password: PASSWORD,
    role: 'viewer',
    municipalityCode: HOME,
    mustChangePassword: false,
  });
  const assignees: string[] = [];
  for (let i = 0; i < 12; i++) {
    const user = await staff.createUser({
      loginId: `bench-reviewer-${i}`,
      displayName: `審査 ${GIVEN[i][0]}`,
      password: PASSWORD,
      role: 'reviewer',
      municipalityCode: HOME,
      mustChangePassword: false,
    });
    assignees.push(user.id);
  }
  await boot.destroy();
  seedApplications(file, homeForms, assignees);

  const port = await freePort();
  const bootStarted = Date.now();
  const server = await startServer(
    'backoffice',
    join(ROOT, 'dist/apps/backoffice/src/main.js'),
    {
      NODE_ENV: 'production',
      BACKOFFICE_PORT: String(port),
      BACKOFFICE_DATABASE_URL: url,
      BACKOFFICE_DATA_DIR: join(dir, 'data'),
      BACKOFFICE_COOKIE_SECRET: 'c'.repeat(32),
      // required in production since the secrets at rest are sealed (32 bytes, hex)
      BACKOFFICE_SECRETS_KEY: 'b1'.repeat(32),
      TRANSFER_KEY: 'k'.repeat(32),
      PORTAL_TRANSFER_URL: 'http://127.0.0.1:9',
      PULL_INTERVAL_MS: '3600000',
      FORMS_DIR: join(ROOT, 'forms'),
    },
    [],
    /back office: (https?:\/\/[\w.[\]-]+:\d+)/,
  );
  console.log(
    `back office up in ${((Date.now() - bootStarted) / 1000).toFixed(1)} s (tally recounted at boot)`,
  );
  const base = server.url;
  const pid = server.child.pid!;
  try {
    const jar = new Jar();
    const loginPage = await fetch(`${base}/login`);
    jar.take(loginPage);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await loginPage.text())?.[1] ?? '';
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: csrf,
        loginId: 'bench-viewer',
        password: PASSWORD,
      }).toString(),
    });
    jar.take(login);
    if (login.status !== 303) {
      throw new Error(`login failed: HTTP ${login.status}`);
    }
    const get = async (path: string): Promise<{ ms: number; html: string; status: number }> => {
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${base}${path}`, { headers: { cookie: jar.header() } });
      const html = await res.text();
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, html, status: res.status };
    };
    const measure = async (label: string, paths: () => string): Promise<number> => {
      for (let i = 0; i < 5; i++) {
        await get(paths());
      }
      const times: number[] = [];
      let rows = 0;
      const cpuBefore = processCpuMicros(pid) ?? NaN;
      for (let i = 0; i < REQUESTS; i++) {
        const r = await get(paths());
        if (r.status !== 200) {
          throw new Error(`${label}: HTTP ${r.status}`);
        }
        rows = (r.html.match(/<a href="\/applications\/[0-9a-f-]{36}">/g) ?? []).length;
        times.push(r.ms);
      }
      const cpuMs = ((processCpuMicros(pid) ?? NaN) - cpuBefore) / 1000 / REQUESTS;
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      console.log(
        `  ${label.padEnd(40)} p50 ${percentile(times, 50).toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   server CPU ${cpuMs.toFixed(1).padStart(5)} ms/request   (${rows} rows)`,
      );
      return p95;
    };

    const month = new Date(Date.now() - 60 * 86_400_000 + 9 * 3600 * 1000)
      .toISOString()
      .slice(0, 10);
    const monthEnd = new Date(Date.now() - 30 * 86_400_000 + 9 * 3600 * 1000)
      .toISOString()
      .slice(0, 10);
    // a page deep in the list: follow the next link 200 times (10,000 rows in)
    let deep = '/applications?form=sodai-gomi';
    for (let i = 0; i < 200; i++) {
      const next = /<a href="([^"]+)" rel="next">/.exec((await get(deep)).html)?.[1];
      deep = next ? next.replaceAll('&amp;', '&').replaceAll('&#x3D;', '=') : deep;
    }
    const receipts = (await get('/applications?status=returned')).html.match(/\d{8}-\d{8}/g) ?? [];

    const load = () =>
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`;
    console.log(`list pages (${REQUESTS} requests each, one at a time; ${load()}):`);
    const listP95 = [
      await measure('all (newest first)', () => '/applications'),
      await measure('status=審査中', () => '/applications?status=in_review'),
      await measure('form=粗大ごみ', () => '/applications?form=sodai-gomi'),
      await measure(
        'form=転出届 + status=差戻し',
        () => '/applications?form=tenshutsu&status=returned',
      ),
      await measure(
        'department=市民課',
        () => `/applications?department=${encodeURIComponent('市民課')}`,
      ),
      await measure('received, one month', () => `/applications?from=${month}&to=${monthEnd}`),
      await measure(
        'form + status + month',
        () => `/applications?form=zei-shomei&status=completed&from=${month}&to=${monthEnd}`,
      ),
      await measure(
        'assignee + status=審査中',
        () => `/applications?assignee=${assignees[3]}&status=in_review`,
      ),
      await measure('assignee, every status', () => `/applications?assignee=${assignees[3]}`),
      await measure('page 201 of form=粗大ごみ (keyset)', () => deep),
    ];
    console.log(`search (${load()}):`);
    let k = 0;
    const searchP95 = [
      await measure(
        'name, kanji 姓名 (山田花子)',
        () => `/applications?name=${encodeURIComponent('山田 花子')}`,
      ),
      await measure(
        'name, kanji 姓 (common: 佐藤)',
        () => `/applications?name=${encodeURIComponent('佐藤')}`,
      ),
      await measure(
        'name, half-width kana (ﾀﾅｶ ﾕｲ)',
        () => `/applications?name=${encodeURIComponent('ﾀﾅｶ ﾕｲ')}`,
      ),
      await measure(
        'name, hiragana + status (やました)',
        () => `/applications?name=${encodeURIComponent('やました')}&status=completed`,
      ),
      await measure(
        'receipt number',
        () => `/applications?receipt=${receipts[k++ % receipts.length]}`,
      ),
    ];

    console.log('CSV export of everything (one request):');
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
    const rssBefore = readKb(pid, 'VmRSS');
    const t0 = Date.now();
    const res = await fetch(`${base}/applications/export.csv`, {
      headers: { cookie: jar.header() },
    });
    if (res.status !== 200 || !res.body) {
      throw new Error(`export: HTTP ${res.status}`);
    }
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] === 0x0a) {
          lines++;
        }
      }
    }
    const seconds = (Date.now() - t0) / 1000;
    const rows = lines - 1;
    const peakMb = readKb(pid, 'VmHWM') / 1024;
    console.log(
      `  ${rows.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s: ${Math.round(rows / seconds).toLocaleString('en')} rows/s`,
    );
    console.log(
      `  server RSS before ${(rssBefore / 1024).toFixed(0)} MB, peak during the export (VmHWM) ${peakMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB)`,
    );
    const worstList = Math.max(...listP95);
    const worstSearch = Math.max(...searchP95);
    console.log(
      `\nlist p95 (worst filter) ${worstList.toFixed(1)} ms, search p95 (worst) ${worstSearch.toFixed(1)} ms: target < ${TARGET_P95_MS} ms ${
        worstList < TARGET_P95_MS && worstSearch < TARGET_P95_MS ? 'met' : 'NOT met'
      }; export peak RSS ${peakMb < TARGET_RSS_MB ? 'within' : 'OVER'} target`,
    );
  } finally {
    await server.stop();
    if (!args.keep) {
      rmSync(dir, { recursive: true, force: true });
    } else {
      console.log(`database kept in ${dir}`);
    }
  }
}

function readKb(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return m ? Number(m[1]) : NaN;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
