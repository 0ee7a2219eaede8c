import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ArchiveRecord, ArchiveRecordMetadata, RecordFile } from '../bagit/bag';

/** A record file held in memory (tests and benchmarks). */
export function memoryFile(name: string, content: Buffer | string): RecordFile {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return {
    name,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    open: () => Readable.from([bytes]),
  };
}

let serial = 0;

/** A record as the records service hands it over, with a signed document, a signature and attachments. */
export function archiveRecord(
  overrides: Partial<ArchiveRecordMetadata> = {},
  files?: RecordFile[],
): ArchiveRecord {
  serial += 1;
  const record: ArchiveRecordMetadata = {
    id: randomUUID(),
    municipalityCode: '990019',
    municipalityName: 'まどぐち市（デモ）',
    receiptNumber: `R2026-${String(serial).padStart(6, '0')}-${randomBytes(3).toString('hex').toUpperCase()}`,
    formId: 'sodai-gomi',
    formTitle: '粗大ごみ収集の申込み',
    classification: '廃棄物処理／粗大ごみ収集',
    department: '環境政策課',
    retentionYears: 5,
    retentionEndDate: '2032-03-31',
    createdAt: new Date('2026-11-29T10:00:00Z'),
    ...overrides,
  };
  return {
    record,
    files: files ?? [
      memoryFile(
        'document.json',
        JSON.stringify({ receipt: record.receiptNumber, form: record.formId }),
      ),
      memoryFile('signature.p7s', randomBytes(1500)),
      memoryFile('attachments/見積書 100%.pdf', randomBytes(4000)),
      memoryFile('verification-report.json', '{"indication":"TOTAL_PASSED"}'),
    ],
  };
}
