import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ArchiveRecordSource } from '../archive.worker';
import type { ArchiveRecord, RecordFile } from '../bagit/bag';

/** Deterministic bytes for (seed, size): the same in every process, so a test can check what a restarted worker sent. */
export function syntheticBytes(seed: string, size: number): Buffer {
  // an AES-256-CTR keystream keyed by the seed: fast (it must not slow the benchmark) and reproducible
  const cipher = createCipheriv(
    'aes-256-ctr',
    createHash('sha256').update(seed).digest(),
    Buffer.alloc(16),
  );
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

function file(name: string, bytes: Buffer): RecordFile {
  return {
    name,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    open: () => Readable.from([bytes]),
  };
}

/**
 * Records made up from their id (benchmarks, crash tests): a signed document, a signature and two attachments of
 * `attachmentBytes` each. Receipt numbers are `R-<first 8 of the id>`.
 */
export class SyntheticRecordSource implements ArchiveRecordSource {
  constructor(private readonly attachmentBytes: number) {}

  static receiptOf(recordId: string): string {
    return `R-${recordId.slice(0, 8).toUpperCase()}`;
  }

  read(recordId: string): Promise<ArchiveRecord> {
    const receiptNumber = SyntheticRecordSource.receiptOf(recordId);
    return Promise.resolve({
      record: {
        id: recordId,
        municipalityCode: '990019',
        municipalityName: 'まどぐち市（デモ）',
        receiptNumber,
        formId: 'sodai-gomi',
        formTitle: '粗大ごみ収集の申込み',
        classification: '廃棄物処理／粗大ごみ収集',
        department: '環境政策課',
        retentionYears: 5,
        retentionEndDate: '2032-03-31',
        createdAt: new Date('2026-11-29T10:00:00Z'),
      },
      files: [
        file('document.json', Buffer.from(JSON.stringify({ receiptNumber, recordId }))),
        file('signature.p7s', syntheticBytes(`${recordId}/p7s`, 2048)),
        file('attachments/見積書.pdf', syntheticBytes(`${recordId}/a`, this.attachmentBytes)),
        file('attachments/写真.jpg', syntheticBytes(`${recordId}/b`, this.attachmentBytes)),
      ],
    });
  }
}
