import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  validateBagDirectory,
  validateSerializedBag,
} from '../../../../../test/support/bagit-validator';
import { ArchiveErrorCode } from '../archive.error';
import { archiveRecord, memoryFile } from '../testing/archive-record.factory';
import { buildBag, safeBagName } from './bag';
import { bagInfoText } from './bag-info';
import { serializedBagStream, writeBagDirectory } from './bag-writers';

describe('BagIt record package', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bag-spec-'));
  });

  afterEach(() => {
    // a refused stream's write stream may still be closing its file (a test with a rejected pipeline): retry
    // the removal on ENOTEMPTY rather than fail the clean-up
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('writes a directory bag that an independent RFC 8493 validator accepts, with the records metadata', async () => {
    const source = archiveRecord();
    const sut = buildBag(source, new Date('2026-11-30T01:00:00Z'));
    await writeBagDirectory(sut, join(dir, sut.name));

    const report = validateBagDirectory(join(dir, sut.name));
    expect(report.errors).toEqual([]);
    expect(report.isValid).toBe(true);
    const payloadBytes = source.files.reduce((n, f) => n + f.size, 0);
    expect(Object.fromEntries([...report.info].map(([k, v]) => [k, v.join('|')]))).toEqual({
      'Source-Organization': 'まどぐち市（デモ）（全国地方公共団体コード 990019）',
      'External-Identifier': source.record.receiptNumber,
      'External-Description': '粗大ごみ収集の申込み',
      'Internal-Sender-Identifier': source.record.id,
      'Bagging-Date': '2026-11-30',
      'Payload-Oxum': `${payloadBytes}.4`,
      文書分類: '廃棄物処理／粗大ごみ収集',
      保存期間: '5年',
      保存期間満了日: '2032-03-31',
      作成日: '2026-11-29',
      担当課: '環境政策課',
    });
    expect([...report.payload.keys()].sort()).toEqual([
      'data/attachments/見積書 100%.pdf',
      'data/document.json',
      'data/signature.p7s',
      'data/verification-report.json',
    ]);
    // the manifest percent-encodes '%' (RFC 8493 §2.1.3), and sha256sum -c checks it by hand after decoding
    expect(readFileSync(join(dir, sut.name, 'manifest-sha256.txt'), 'utf8')).toContain(
      'data/attachments/見積書 100%25.pdf',
    );
    expect(
      execFileSync('sha256sum', ['-c', 'tagmanifest-sha256.txt'], {
        cwd: join(dir, sut.name),
      }).toString(),
    ).toContain('manifest-sha256.txt: OK');
  });

  it.each(['zip', 'tar'] as const)(
    'serializes the same bag as one %s file with one top-level directory named after the receipt',
    async (format) => {
      const sut = buildBag(archiveRecord());
      const file = join(dir, `${sut.name}.${format}`);
      await pipeline(serializedBagStream(sut, format), createWriteStream(file));

      const report = validateSerializedBag(file);
      expect(report.errors).toEqual([]);
      expect(report.baseName).toBe(sut.name);
      expect(report.payload.size).toBe(4);
    },
  );

  it('a validator catches a changed payload byte, a missing file and a wrong Payload-Oxum (it can fail)', async () => {
    const sut = buildBag(archiveRecord());
    const bagDir = join(dir, sut.name);
    await writeBagDirectory(sut, bagDir);
    writeFileSync(join(bagDir, 'data/document.json'), '{"tampered":true}');
    rmSync(join(bagDir, 'data/signature.p7s'));
    const report = validateBagDirectory(bagDir);
    expect(report.isValid).toBe(false);
    expect(report.errors.join('\n')).toMatch(/data\/document.json has sha256/);
    expect(report.errors.join('\n')).toMatch(/data\/signature.p7s is listed but missing/);
    expect(report.errors.join('\n')).toMatch(/Payload-Oxum/);
  });

  it('refuses to stream a record file whose bytes are not the ones the record kept', async () => {
    const good = memoryFile('document.json', 'original');
    const swapped = { ...good, open: () => Readable.from([Buffer.from('replaced')]) };
    const sut = buildBag(archiveRecord({}, [swapped]));
    await expect(writeBagDirectory(sut, join(dir, sut.name))).rejects.toMatchObject({
      code: ArchiveErrorCode.PayloadMismatch,
    });
    const tar = join(dir, 'x.tar');
    const out = createWriteStream(tar);
    await expect(pipeline(serializedBagStream(sut, 'tar'), out)).rejects.toMatchObject({
      code: ArchiveErrorCode.PayloadMismatch,
    });
    // the refused pipeline destroys the file stream; let it finish closing before the folder is removed
    if (!out.closed) {
      await new Promise<void>((resolve) => out.once('close', () => resolve()));
    }
  });

  it.each(['../etc', '/abs', 'a/../../b', 'R-1/x', '.hidden', 'ＲＣＰ', ''])(
    'refuses receipt number %j as a package name',
    (receipt) => {
      expect(() => safeBagName(receipt)).toThrow(
        expect.objectContaining({ code: ArchiveErrorCode.UnsafeName }),
      );
    },
  );

  it.each(['../outside.txt', 'a//b', '/etc/passwd', 'a\\..\\b', 'line\nbreak'])(
    'refuses record file name %j as a payload path',
    (name) => {
      expect(() => buildBag(archiveRecord({}, [memoryFile(name, 'x')]))).toThrow(
        expect.objectContaining({ code: ArchiveErrorCode.UnsafeName }),
      );
    },
  );

  it('bag-info values lose their line breaks; labels with a colon are refused (RFC 8493 §2.2.2)', () => {
    expect(bagInfoText([['担当課', '市民課\r\n  窓口係']])).toBe('担当課: 市民課 窓口係\n');
    expect(() => bagInfoText([['Bad:Label', 'x']])).toThrow(/invalid bag-info label/);
    expect(() => bagInfoText([[' Padded', 'x']])).toThrow(/invalid bag-info label/);
  });

  it('a form without a classification leaves 文書分類 out rather than writing it empty', async () => {
    const sut = buildBag(archiveRecord({ classification: null }));
    await writeBagDirectory(sut, join(dir, sut.name));
    const report = validateBagDirectory(join(dir, sut.name));
    expect(report.isValid).toBe(true);
    expect(report.info.has('文書分類')).toBe(false);
    expect(report.info.get('保存期間')).toEqual(['5年']);
  });
});
