import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRecordPdf, type RenditionInput } from './record-rendition';

const INPUT: RenditionInput = {
  municipality: { code: '990019', name: 'まどぐち市（デモ）' },
  title: '粗大ごみ収集の申込み',
  form: { id: 'sodai-gomi', version: 2 },
  department: '環境政策課',
  classification: '廃棄物処理／粗大ごみ収集',
  receiptNumber: 'R2026-0510-ABCD',
  submitted: '令和8年5月10日 10時03分',
  received: '令和8年5月10日 10時05分',
  accepted: '令和8年5月12日 15時20分',
  retention: { years: 5, end: '令和14年3月31日' },
  sections: [
    {
      title: '申込者',
      rows: [
        { label: '氏名', text: '窓口 花子（マドグチ ハナコ）' },
        { label: '生年月日', text: '平成2年1月2日' },
        {
          label: '写真',
          files: [{ name: '地図.png', size: 1234, sha256: 'ab'.repeat(32) }],
        },
      ],
    },
  ],
  verification: {
    verdict: '検証成功',
    signingTime: '令和8年5月10日 10時02分',
    validatedAt: '令和8年5月10日 10時05分',
    certified: {
      name: '窓口　花子',
      address: '東京都千代田区霞が関２丁目１番２号',
      birthdate: '平成2年1月2日',
      sex: '女性',
    },
    checks: [{ label: '失効確認', result: '合格' }],
  },
  createdAt: new Date('2026-05-12T06:20:00Z'),
};

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args);
  if (r.status !== 0) {
    throw new Error(`${cmd}: ${r.stderr.toString()}`);
  }
  return r.stdout.toString();
}

describe('PDF rendition (pdftotext, pdffonts from poppler-utils)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rendition-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the Japanese text, with Noto Sans JP embedded as a subset, and the same bytes for the same record', async () => {
    const pdf = await renderRecordPdf(INPUT);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(dir, 'rendition.pdf');
    writeFileSync(file, pdf);

    const text = run('pdftotext', ['-enc', 'UTF-8', file, '-']).replace(/\s+/g, '');
    for (const expected of [
      'まどぐち市（デモ）',
      '粗大ごみ収集の申込み',
      '受付番号',
      'R2026-0510-ABCD',
      '令和8年5月10日10時05分',
      '窓口花子（マドグチハナコ）',
      '平成2年1月2日',
      '地図.png',
      'ab'.repeat(32),
      '検証成功',
      '東京都千代田区霞が関２丁目１番２号',
      '女性',
      '保存期間',
      '令和14年3月31日',
      '環境政策課',
      '廃棄物処理／粗大ごみ収集',
    ]) {
      expect(text).toContain(expected.replace(/\s+/g, ''));
    }

    const fonts = run('pdffonts', [file])
      .split('\n')
      .filter((l) => l.includes('NotoSansJP'));
    expect(fonts).toHaveLength(2);
    for (const line of fonts) {
      // name type encoding emb sub uni: a subset (XXXXXX+) that is embedded
      expect(line).toMatch(/^[A-Z]{6}\+NotoSansJP-(Regular|Bold)\s.*\syes\s+yes\s+yes\s/);
    }
    expect(run('pdfinfo', [file])).toMatch(/CreationDate:\s+\S/);

    const again = await renderRecordPdf(INPUT);
    expect(again.equals(pdf)).toBe(true);
  });

  it('says so when the application was not signed', async () => {
    const file = join(dir, 'unsigned.pdf');
    writeFileSync(file, await renderRecordPdf({ ...INPUT, verification: null }));
    expect(run('pdftotext', ['-enc', 'UTF-8', file, '-'])).toContain(
      'この申請は電子署名されていません。',
    );
  });
});
