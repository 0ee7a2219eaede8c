import type { ArchiveRecordSource } from '../archive.worker';
import type { ArchiveRecord } from '../bagit/bag';

/** Records held in memory, standing in for RecordsService.read in tests of the outbox alone. */
export class MemoryRecordSource implements ArchiveRecordSource {
  readonly records = new Map<string, ArchiveRecord>();

  add(record: ArchiveRecord): ArchiveRecord {
    this.records.set(record.record.id, record);
    return record;
  }

  read(recordId: string): Promise<ArchiveRecord> {
    const record = this.records.get(recordId);
    return record ? Promise.resolve(record) : Promise.reject(new Error(`no record ${recordId}`));
  }
}
