import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Answers } from '@madoguchi/forms';
import type { TransferApplication } from '@madoguchi/transfer';
import { DataSource } from 'typeorm';
import { ensureApplicationTally } from '../apps/backoffice/src/database/application-tally';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { ApplicationIntakeService } from '../apps/backoffice/src/transfer/application-intake.service';
import { createStaff, loggedIn, StaffAgent } from './support/staff-agent';
import { startBackoffice } from './support/zones';

jest.setTimeout(120_000);

const HOME = '990019';
const OTHER = '990027';
const PASSWORD = 'a long staff password';
const DAY = 24 * 3600 * 1000;
/** 2026-04-01 10:00 in Japan */
const T0 = Date.parse('2026-04-01T01:00:00Z');

interface Seed {
  receipt: string;
  code: string;
  formId: 'sodai-gomi' | 'tenshutsu';
  receivedAt: Date;
  family: string;
}

function application(seed: Seed, answers: Answers): TransferApplication {
  const titles = {
    'sodai-gomi': { ja: '粗大ごみ収集申込', en: 'Request for bulky waste collection' },
    tenshutsu: { ja: '転出届', en: 'Notification of moving out' },
  };
  return {
    id: randomUUID(),
    receiptNumber: seed.receipt,
    municipalityCode: seed.code,
    formId: seed.formId,
    formVersion: 1,
    formSha256: 'f'.repeat(64),
    formTitle: titles[seed.formId],
    answers,
    attachments: [],
    submittedAt: new Date(seed.receivedAt.getTime() - 60_000).toISOString(),
  };
}

/** Rows of the list page: receipt numbers in page order. */
function receipts(html: string): string[] {
  return [...html.matchAll(/<a href="\/applications\/[0-9a-f-]{36}">([^<]+)<\/a>/g)].map(
    (m) => m[1],
  );
}
function link(html: string, rel: 'next' | 'prev'): string | undefined {
  const m = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(html);
  return m ? m[1].replaceAll('&amp;', '&').replaceAll('&#x3D;', '=') : undefined;
}
function tabCounts(html: string): Record<string, number> {
  const nav = /<nav aria-label="状態で絞り込み">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return Object.fromEntries(
    [...nav.matchAll(/>([^<>（]+)（(\d+)）</g)].map((m) => [m[1], Number(m[2])]),
  );
}
function parseCsv(text: string): string[][] {
  // enough for these files: quoted cells may hold commas and doubled quotes, never newlines
  return text
    .split('\r\n')
    .filter((l) => l !== '')
    .map((line) => {
      const cells: string[] = [];
      const re = /(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(line)) !== null) {
        cells.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]);
        if (re.lastIndex === line.length) {
          break;
        }
      }
      return cells;
    });
}

describe('back office search, lists and CSV export', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let db: DataSource;
  let intake: ApplicationIntakeService;
  const ours: Seed[] = [];
  let reviewer: StaffAgent;
  let neighbour: StaffAgent;

  const store = async (seed: Seed, answers?: Answers) => {
    const kana: Record<string, string> = {
      山田: 'ヤマダ',
      髙橋: 'タカハシ',
      佐藤: 'さとう',
      ﾔﾏｼﾀ: 'ﾔﾏｼﾀ',
    };
    const name = {
      family: seed.family,
      given: '花子',
      familyKana: kana[seed.family] ?? 'アライ',
      givenKana: 'ハナコ',
    };
    await intake.store(
      application(
        seed,
        answers ?? { name, tel: '03-1234-5678', address: { text: 'まどぐち市本町1-2-3' } },
      ),
      seed.receivedAt,
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-search-'));
    ({ app, baseUrl } = await startBackoffice(dir, 'backoffice_search'));
    db = app.get(DataSource);
    intake = app.get(ApplicationIntakeService);

    const staff = app.get(StaffService);
    await staff.ensureMunicipalities([{ code: OTHER, name: { ja: 'となり町（テスト）' } }]);
    await createStaff(app, PASSWORD, [
      { loginId: 'reviewer', role: 'viewer', municipalityCode: HOME },
      { loginId: 'neighbour', role: 'viewer', municipalityCode: OTHER },
    ]);
    // 120 of ours over 60 days, two forms; 30 of the neighbour's with the same names and dates
    const families = ['山田', '髙橋', '佐藤', 'ﾔﾏｼﾀ'];
    for (let i = 0; i < 120; i++) {
      const seed: Seed = {
        receipt: `20260401-${String(i).padStart(8, '0')}`,
        code: HOME,
        formId: i % 3 === 0 ? 'tenshutsu' : 'sodai-gomi',
        // two applications share each instant: the keyset's id breaks the tie
        receivedAt: new Date(T0 + Math.floor(i / 2) * DAY),
        family: families[i % families.length],
      };
      ours.push(seed);
      await store(seed);
    }
    for (let i = 0; i < 30; i++) {
      await store({
        receipt: `20260401-9${String(i).padStart(7, '0')}`,
        code: OTHER,
        formId: 'sodai-gomi',
        receivedAt: new Date(T0 + i * DAY),
        family: '山田',
      });
    }
    // some moved on by the workflow (the tally follows through its triggers)
    await db.query(
      `UPDATE application SET status = 'in_review' WHERE receipt_number IN (${ours
        .filter((_, i) => i % 5 === 0)
        .map((s) => `'${s.receipt}'`)
        .join(', ')})`,
    );
    reviewer = await loggedIn(baseUrl, 'reviewer', PASSWORD);
    neighbour = await loggedIn(baseUrl, 'neighbour', PASSWORD);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const list = async (agent: StaffAgent, query: string, status = 200) => {
    const res = await agent.agent.get(`/applications${query ? `?${query}` : ''}`);
    expect({ query, status: res.status }).toEqual({ query, status });
    return res.text;
  };

  /** Every page from `query`, following the next links. */
  const allPages = async (agent: StaffAgent, query: string): Promise<string[]> => {
    const seen: string[] = [];
    let path: string | undefined = `/applications?${query}`;
    while (path) {
      const res = await agent.agent.get(path).expect(200);
      seen.push(...receipts(res.text));
      path = link(res.text, 'next');
    }
    return seen;
  };

  it('filters by form, status, department, received dates and receipt number', async () => {
    const tenshutsu = ours.filter((s) => s.formId === 'tenshutsu').map((s) => s.receipt);
    expect((await allPages(reviewer, 'form=tenshutsu')).sort()).toEqual([...tenshutsu].sort());
    expect((await allPages(reviewer, 'department=市民課')).sort()).toEqual([...tenshutsu].sort());
    const inReview = ours.filter((_, i) => i % 5 === 0).map((s) => s.receipt);
    expect((await allPages(reviewer, 'status=in_review')).sort()).toEqual([...inReview].sort());
    // 2026-04-03 and 04-04 in Japan: days 2 and 3, two applications each
    const days = await allPages(reviewer, 'from=2026-04-03&to=2026-04-04');
    expect(days.sort()).toEqual(ours.slice(4, 8).map((s) => s.receipt));
    const one = await list(
      reviewer,
      `receipt=${encodeURIComponent('２０２６０４０１－０００００００７')}`,
    );
    expect(receipts(one)).toEqual(['20260401-00000007']); // full-width digits and hyphen, folded
    expect(receipts(await list(reviewer, 'receipt=20260401-00000007'))).toEqual([
      '20260401-00000007',
    ]);
    const combined = await allPages(
      reviewer,
      'form=sodai-gomi&status=received&from=2026-04-01&to=2026-04-10',
    );
    expect(combined.sort()).toEqual(
      ours
        .filter((s, i) => s.formId === 'sodai-gomi' && i % 5 !== 0 && i < 20)
        .map((s) => s.receipt)
        .sort(),
    );
  });

  it('filters by assignee, and by unassigned', async () => {
    const staff = app.get(StaffService);
    await staff.createUser({
      loginId: 'assignee',
      displayName: '担当 太郎',
      password: PASSWORD,
      role: 'reviewer',
      municipalityCode: HOME,
      mustChangePassword: false,
    });
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `SELECT id FROM staff_user WHERE login_id = 'assignee'`,
    );
    const mine = ours.filter((_, i) => i % 7 === 0).map((s) => s.receipt);
    await db.query(
      `UPDATE application SET assignee_id = '${id}' WHERE receipt_number IN (${mine.map((r) => `'${r}'`).join(', ')})`,
    );
    const page = await list(reviewer, `assignee=${id}`);
    expect(page).toContain('担当 太郎');
    expect((await allPages(reviewer, `assignee=${id}`)).sort()).toEqual(mine.sort());
    expect(tabCounts(page)['すべて']).toBe(mine.length);
    const unassigned = await allPages(reviewer, 'assignee=none');
    expect(unassigned).toHaveLength(ours.length - mine.length);
    expect(unassigned.some((r) => mine.includes(r))).toBe(false);
    await list(reviewer, `assignee=${randomUUID()}`, 400);
    await db.query(`UPDATE application SET assignee_id = NULL`);
  });

  it('finds an applicant by kanji or kana, whatever the width or script', async () => {
    const yamada = ours
      .filter((s) => s.family === '山田')
      .map((s) => s.receipt)
      .sort();
    expect((await allPages(reviewer, `name=${encodeURIComponent('山田')}`)).sort()).toEqual(yamada);
    expect((await allPages(reviewer, `name=${encodeURIComponent('山田　花子')}`)).sort()).toEqual(
      yamada,
    );
    const yamashita = ours
      .filter((s) => s.family === 'ﾔﾏｼﾀ')
      .map((s) => s.receipt)
      .sort();
    for (const typed of ['ヤマシタ', 'やました', 'ﾔﾏｼﾀ ﾊﾅｺ']) {
      expect((await allPages(reviewer, `name=${encodeURIComponent(typed)}`)).sort()).toEqual(
        yamashita,
      );
    }
    // the kana reading: half-width or hiragana alike
    for (const typed of ['ﾔﾏﾀﾞ ﾊﾅｺ', 'やまだはなこ', 'ヤマダ']) {
      expect((await allPages(reviewer, `name=${encodeURIComponent(typed)}`)).sort()).toEqual(
        yamada,
      );
    }
    const sato = ours
      .filter((s) => s.family === '佐藤')
      .map((s) => s.receipt)
      .sort();
    expect((await allPages(reviewer, `name=${encodeURIComponent('ｻﾄｳ')}`)).sort()).toEqual(sato);
    expect(receipts(await list(reviewer, `name=${encodeURIComponent('高橋')}`))).toEqual([]);
    expect((await allPages(reviewer, `name=${encodeURIComponent('髙橋')}`)).length).toBe(30);
    expect(receipts(await list(reviewer, `name=${encodeURIComponent("山田' OR '1'='1")}`))).toEqual(
      [],
    );
  });

  it('pages by keyset: every row once, in order, links keep the filter, previous returns', async () => {
    const first = await list(reviewer, 'form=sodai-gomi');
    expect(receipts(first)).toHaveLength(50);
    expect(link(first, 'prev')).toBeUndefined();
    const next = link(first, 'next')!;
    expect(next).toContain('form=sodai-gomi');
    const second = (await reviewer.agent.get(next).expect(200)).text;
    const back = (await reviewer.agent.get(link(second, 'prev')!).expect(200)).text;
    expect(receipts(back)).toEqual(receipts(first));

    const all = await allPages(reviewer, 'form=sodai-gomi');
    const expected = ours
      .filter((s) => s.formId === 'sodai-gomi')
      .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual(expected.map((s) => s.receipt).sort());
    // newest first
    const at = new Map(ours.map((s) => [s.receipt, s.receivedAt.getTime()]));
    expect(all.map((r) => at.get(r)!)).toEqual(
      [...all.map((r) => at.get(r)!)].sort((a, b) => b - a),
    );
  });

  it('stays stable when applications arrive between pages', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/applications';
    let n = 0;
    while (path) {
      const res = await reviewer.agent.get(path).expect(200);
      seen.push(...receipts(res.text));
      path = link(res.text, 'next');
      // a newer application and one inside the range already paged arrive meanwhile
      await store({
        receipt: `20260401-8${String(n++).padStart(7, '0')}`,
        code: HOME,
        formId: 'sodai-gomi',
        receivedAt: new Date(Date.now()),
        family: '新井',
      });
    }
    const original = seen.filter((r) => !r.startsWith('20260401-8'));
    expect(new Set(seen).size).toBe(seen.length);
    expect(original.sort()).toEqual(ours.map((s) => s.receipt).sort());
    await db.query(`DELETE FROM application WHERE receipt_number LIKE '20260401-8%'`);
  });

  it('counts per status for the current filter, the same as the rows', async () => {
    for (const query of [
      '',
      'form=tenshutsu',
      'from=2026-04-05&to=2026-04-20',
      `name=${encodeURIComponent('佐藤')}`,
    ]) {
      const counts = tabCounts(await list(reviewer, query));
      const received = await allPages(reviewer, `${query}&status=received`);
      const inReview = await allPages(reviewer, `${query}&status=in_review`);
      expect({ query, counts: [counts['受付'], counts['審査中'], counts['完了']] }).toEqual({
        query,
        counts: [received.length, inReview.length, 0],
      });
      expect(counts['すべて']).toBe(received.length + inReview.length);
    }
    expect(tabCounts(await list(reviewer, ''))['すべて']).toBe(120);
  });

  it('refuses malformed dates, tampered cursors and unknown forms with a message, never a 500', async () => {
    const cases: Array<[string, string]> = [
      ['from=2026-02-30', '実在する日付'],
      ['from=2026-04-10&to=2026-04-01', '「から」は「まで」より前'],
      ['to=yesterday', '実在する日付'],
      ['form=no-such-form', '指定された申請の種類はありません'],
      ['status=deleted', '指定された状態はありません'],
      ['after=bm90IGEgY3Vyc29y', 'ページの指定が正しくありません'],
      [`after=${encodeURIComponent("2026-04-01T00:00:00.000Z|x' OR 1=1 --")}`, 'ページの指定'],
      ['status=received&status=rejected', '検索条件の指定が正しくありません'],
      ['assignee=somebody', '指定された担当者はいません'],
    ];
    for (const [query, message] of cases) {
      const html = await list(reviewer, query, 400);
      expect({ query, has: html.includes(message) }).toEqual({ query, has: true });
      expect(html).toContain('role="alert"');
    }
    const csv = await reviewer.agent.get('/applications/export.csv?form=no-such-form');
    expect(csv.status).toBe(400);
    expect(csv.text).toContain('指定された申請の種類はありません');
  });

  it('exports the filtered list as CSV: BOM, CRLF, the form labels, injection neutralised', async () => {
    await store(
      {
        receipt: '20260401-70000001',
        code: HOME,
        formId: 'sodai-gomi',
        receivedAt: new Date(T0 - DAY),
        family: '=HYPERLINK("http://evil.example","山田")',
      },
      {
        name: { family: '=HYPERLINK("http://evil.example","山田")', given: '花子' },
        tel: '+81-3-1234-5678',
        address: { postalCode: '1000001', text: '@まどぐち市本町1-2-3' },
      },
    );
    const res = await reviewer.agent
      .get('/applications/export.csv?form=sodai-gomi&to=2026-04-01')
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain("filename*=UTF-8''%E7%94%B3%E8%AB%8B");
    const bytes = res.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text).not.toMatch(/[^\r]\n/);
    const [header, ...rows] = parseCsv(text);
    expect(header.slice(0, 6)).toEqual([
      '受付番号',
      '申請者',
      '担当課',
      '状態',
      '申請日時',
      '受付日時',
    ]);
    expect(header).toEqual(expect.arrayContaining(['氏名', '収集先の住所', '電話番号']));
    const byReceipt = new Map(rows.map((r) => [r[0], r]));
    // 2026-04-01 in Japan: our two of that day (one a sodai-gomi) and the hostile one the day before
    expect([...byReceipt.keys()].sort()).toEqual(['20260401-00000001', '20260401-70000001']);
    const hostile = byReceipt.get('20260401-70000001')!;
    const cell = (label: string) => hostile[header.indexOf(label)];
    expect(cell('申請者')).toBe(`'=HYPERLINK("http://evil.example","山田") 花子`);
    expect(cell('氏名')).toBe(`'=HYPERLINK("http://evil.example","山田") 花子`);
    expect(cell('電話番号')).toBe("'+81-3-1234-5678");
    expect(cell('収集先の住所')).toBe('〒1000001 @まどぐち市本町1-2-3');
    expect(cell('担当課')).toBe('環境政策課');
    expect(byReceipt.get('20260401-00000001')![header.indexOf('氏名')]).toBe(
      '髙橋 花子（タカハシ ハナコ）',
    );

    const base = await reviewer.agent.get('/applications/export.csv').expect(200);
    const all = parseCsv(base.text.replace(/^\uFEFF/, ''));
    expect(all[0]).toEqual([
      '受付番号',
      '申請',
      '申請者',
      '担当課',
      '状態',
      '申請日時',
      '受付日時',
    ]);
    expect(all).toHaveLength(1 + 121);
    await db.query(`DELETE FROM application WHERE receipt_number = '20260401-70000001'`);
  });

  it('shows and exports a reviewer only the departments (担当課) they are assigned to', async () => {
    await app.get(StaffService).createUser({
      loginId: 'shimin',
      displayName: '市民課 審査者',
      password: PASSWORD,
      role: 'reviewer',
      municipalityCode: HOME,
      mustChangePassword: false,
      departments: ['市民課'],
    });
    const shimin = new StaffAgent(baseUrl);
    expect((await shimin.login('shimin', PASSWORD)).status).toBe(303);
    const tenshutsu = ours
      .filter((s) => s.formId === 'tenshutsu')
      .map((s) => s.receipt)
      .sort();
    expect((await allPages(shimin, '')).sort()).toEqual(tenshutsu);
    expect(tabCounts(await list(shimin, ''))['すべて']).toBe(tenshutsu.length);
    expect(receipts(await list(shimin, 'receipt=20260401-00000001'))).toEqual([]); // a 粗大ごみ
    const page = await list(shimin, '');
    expect(page).not.toContain('環境政策課');
    expect(page).not.toContain('value="sodai-gomi"');
    expect(await list(shimin, `department=${encodeURIComponent('環境政策課')}`, 400)).toContain(
      'あなたの担当ではありません',
    );
    await list(shimin, 'form=sodai-gomi', 400);
    const csv = await shimin.agent.get('/applications/export.csv').expect(200);
    const rows = parseCsv(csv.text.replace(/^\uFEFF/, '')).slice(1);
    expect(rows.map((r) => r[0]).sort()).toEqual(tenshutsu);
  });

  it('records every export in the audit log with its filter and row count', async () => {
    await reviewer.agent
      .get('/applications/export.csv?form=tenshutsu&status=in_review')
      .expect(200);
    const entries = await db.query<
      Array<{ action: string; actor_login_id: string; detail: string }>
    >(
      `SELECT action, actor_login_id, detail FROM audit_log WHERE action = 'export.csv' ORDER BY seq DESC`,
    );
    expect(entries[0].actor_login_id).toBe('reviewer');
    expect(JSON.parse(entries[0].detail)).toEqual({
      filter: { formId: 'tenshutsu', status: 'in_review' },
      rows: ours.filter((s, i) => s.formId === 'tenshutsu' && i % 5 === 0).length,
    });
  });

  it('never shows or exports another municipality’s applications', async () => {
    const theirs = await allPages(neighbour, '');
    expect(theirs).toHaveLength(30);
    expect(theirs.every((r) => r.startsWith('20260401-9'))).toBe(true);
    expect(tabCounts(await list(neighbour, ''))['すべて']).toBe(30);
    expect(receipts(await list(neighbour, 'receipt=20260401-00000007'))).toEqual([]);
    expect(receipts(await list(reviewer, 'receipt=20260401-90000001'))).toEqual([]);
    const mine = await allPages(reviewer, `name=${encodeURIComponent('山田')}`);
    expect(mine.some((r) => r.startsWith('20260401-9'))).toBe(false);
    const csv = await neighbour.agent.get('/applications/export.csv').expect(200);
    const rows = parseCsv(csv.text.replace(/^\uFEFF/, '')).slice(1);
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r[0].startsWith('20260401-9'))).toBe(true);
  });

  it('keeps the tally right: triggers follow every change, and come back if a table rebuild lost them', async () => {
    expect(await ensureApplicationTally(db)).toBe(false);
    const isPostgres = db.options.type === 'postgres';
    await db.query(
      isPostgres
        ? 'DROP TRIGGER application_tally_change ON application'
        : 'DROP TRIGGER application_tally_update',
    );
    await db.query(
      `UPDATE application SET status = 'completed' WHERE receipt_number = '20260401-00000001'`,
    );
    expect(await ensureApplicationTally(db)).toBe(true);
    const counts = tabCounts(await list(reviewer, ''));
    expect(counts['完了']).toBe(1);
    expect(counts['すべて']).toBe(120);
  });
});
