import PDFDocument from 'pdfkit';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One answer as the detail page shows it: label, then text or files (by name and hash). */
export interface RenditionRow {
  label: string;
  text?: string;
  files?: Array<{ name: string; size: number; sha256: string }>;
}

export interface RenditionSection {
  title: string;
  rows: RenditionRow[];
}

/** Already formatted for print (era dates, labels of choices): the rendition draws text, it decides nothing. */
export interface RenditionInput {
  municipality: { code: string; name: string };
  title: string;
  form: { id: string; version: number };
  department?: string;
  classification?: string;
  receiptNumber: string;
  /** e.g. 令和8年5月10日 14時03分 */
  submitted: string;
  received: string;
  accepted: string;
  retention: { years: number; end: string };
  sections: RenditionSection[];
  /** null: the application was not signed */
  verification: {
    verdict: string;
    subIndication?: string;
    signingTime?: string;
    validatedAt?: string;
    /** the signer's certified basic four from the signing certificate */
    certified?: { name?: string; address?: string; birthdate?: string; sex?: string };
    checks: Array<{ label: string; result: string }>;
  } | null;
  /** the PDF's CreationDate: the record's, so the same record renders the same bytes */
  createdAt: Date;
}

let fonts: { regular: Buffer; bold: Buffer } | undefined;

/** Noto Sans JP (SIL OFL), from @expo-google-fonts/noto-sans-jp; embedded as a subset, so any viewer renders it. */
function notoSansJp(): { regular: Buffer; bold: Buffer } {
  if (!fonts) {
    const root = dirname(require.resolve('@expo-google-fonts/noto-sans-jp/package.json'));
    fonts = {
      regular: readFileSync(join(root, '400Regular', 'NotoSansJP_400Regular.ttf')),
      bold: readFileSync(join(root, '700Bold', 'NotoSansJP_700Bold.ttf')),
    };
  }
  return fonts;
}

const MARGIN = 56;
const MUTED = '#444444';

/** The PDF rendition of an accepted application, in Japanese, for printing (A4). */
export async function renderRecordPdf(input: RenditionInput): Promise<Buffer> {
  const { regular, bold } = notoSansJp();
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 14, left: MARGIN, right: MARGIN },
    bufferPages: true,
    lang: 'ja-JP',
    displayTitle: true,
    info: {
      Title: `${input.title}（受付番号 ${input.receiptNumber}）`,
      Author: input.municipality.name,
      Subject: '申請記録（印刷用）',
      Creator: 'madoguchi',
      Producer: 'madoguchi',
      CreationDate: input.createdAt,
      ModDate: input.createdAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('R', regular);
  doc.registerFont('B', bold);
  const width = doc.page.width - 2 * MARGIN;

  const heading = (text: string, size = 13) => {
    doc.moveDown(0.8).font('B').fontSize(size).fillColor('black').text(text, { width });
    const y = doc.y + 2;
    doc
      .moveTo(MARGIN, y)
      .lineTo(MARGIN + width, y)
      .lineWidth(0.5)
      .stroke(MUTED);
    doc.moveDown(0.5);
  };
  const item = (label: string, value: string) => {
    doc.font('B').fontSize(9).fillColor(MUTED).text(label, { width });
    doc
      .font('R')
      .fontSize(10.5)
      .fillColor('black')
      .text(value || '―', { width, indent: 12 });
    doc.moveDown(0.35);
  };

  doc
    .font('R')
    .fontSize(10)
    .fillColor(MUTED)
    .text(`${input.municipality.name}（${input.municipality.code}）`, { width });
  doc.moveDown(0.3).font('B').fontSize(18).fillColor('black').text(input.title, { width });
  doc
    .moveDown(0.2)
    .font('R')
    .fontSize(9)
    .fillColor(MUTED)
    .text('申請記録（印刷用の写し）', { width });

  heading('受付');
  item('受付番号', input.receiptNumber);
  item('申請日時', input.submitted);
  item('受付日時', input.received);
  item('完了（記録作成）日時', input.accepted);
  item('様式', `${input.form.id}（版 ${input.form.version}）`);
  if (input.department) {
    item('担当課', input.department);
  }
  if (input.classification) {
    item('文書分類', input.classification);
  }
  item('保存期間', `${input.retention.years}年（${input.retention.end}まで）`);

  heading('申請内容');
  for (const section of input.sections) {
    doc.moveDown(0.2).font('B').fontSize(11.5).fillColor('black').text(section.title, { width });
    doc.moveDown(0.3);
    for (const row of section.rows) {
      if (row.files) {
        item(
          row.label,
          row.files
            .map(
              (f) => `${f.name}（${f.size.toLocaleString('ja-JP')} バイト）\nSHA-256: ${f.sha256}`,
            )
            .join('\n'),
        );
      } else {
        item(row.label, row.text ?? '');
      }
    }
  }

  heading('本人確認・電子署名');
  const v = input.verification;
  if (!v) {
    item('電子署名', 'この申請は電子署名されていません。');
  } else {
    item('検証結果', v.subIndication ? `${v.verdict}（${v.subIndication}）` : v.verdict);
    if (v.signingTime) {
      item('署名日時（申告）', v.signingTime);
    }
    if (v.validatedAt) {
      item('検証日時', v.validatedAt);
    }
    const c = v.certified ?? {};
    item('署名者の氏名（署名用電子証明書）', c.name ?? '');
    item('署名者の住所（署名用電子証明書）', c.address ?? '');
    item('署名者の生年月日（署名用電子証明書）', c.birthdate ?? '');
    item('署名者の性別（署名用電子証明書）', c.sex ?? '');
    if (v.checks.length > 0) {
      item('検証項目', v.checks.map((x) => `${x.label}：${x.result}`).join('\n'));
    }
  }

  // page numbers, drawn last on every buffered page
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('R')
      .fontSize(8)
      .fillColor(MUTED)
      .text(
        `受付番号 ${input.receiptNumber}\u3000${i + 1} / ${range.count}`,
        MARGIN,
        doc.page.height - MARGIN + 10,
        { width, align: 'center', lineBreak: false },
      );
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
