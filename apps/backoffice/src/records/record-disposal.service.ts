import type { BlobStore } from '@madoguchi/common';
import { todayInJapan } from '@madoguchi/forms';
import { isPastRetention } from '@madoguchi/records';
import { randomUUID } from 'node:crypto';
import { IsNull, LessThan, type DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import type { AuditLog } from '../audit/audit-log';
import type { StaffContext } from '../auth/staff-context';
import { RecordEntity } from '../database/entities/record.entity';
import { RecordDisposalEntity } from '../database/entities/record-disposal.entity';
import { RecordFileEntity } from '../database/entities/record-file.entity';
import { RecordError, RecordErrorCode } from './record.error';

export const DISPOSAL_LIST_LIMIT = 500;

export function canReadRecords(staff: StaffContext): boolean {
  return staff.role === 'admin' || staff.role === 'reviewer' || staff.role === 'viewer';
}

export function canDisposeRecords(staff: StaffContext): boolean {
  return staff.role === 'admin';
}

/**
 * The disposal job (廃棄, issue 5 §8): lists records past retention; a 管理者's approval deletes the record's rows
 * and files, keeps a tombstone (record_disposal) and appends to the audit log. A record still under retention is
 * refused and nothing changes.
 */
export class RecordDisposalService {
  constructor(
    private readonly db: DataSource,
    private readonly blobs: BlobStore,
    /** the hash-chained audit log (issue 5 §7): every disposal is appended in its transaction */
    private readonly audit: AuditLog,
  ) {}

  /** Records past retention on `now` (Japan's date), oldest end first; all municipalities when code is null. */
  async listPastRetention(municipalityCode: string | null, now: Date): Promise<RecordEntity[]> {
    return this.db.getRepository(RecordEntity).find({
      where: {
        ...(municipalityCode ? { municipalityCode } : {}),
        retentionEnd: LessThan(todayInJapan(now)),
      },
      order: { retentionEnd: 'ASC', createdAt: 'ASC', id: 'ASC' },
      take: DISPOSAL_LIST_LIMIT,
    });
  }

  /** The municipality's disposals, newest first. */
  async listDisposals(municipalityCode: string, take = 100): Promise<RecordDisposalEntity[]> {
    return this.db.getRepository(RecordDisposalEntity).find({
      where: { municipalityCode },
      order: { disposedAt: 'DESC', id: 'ASC' },
      take,
    });
  }

  /**
   * A 管理者 approves the disposal of one record of their municipality. Rows first (one transaction: record and
   * record_file rows deleted, tombstone and audit entry written), then the files; a crash in between leaves the
   * tombstone's blobKeys for finishPending().
   */
  async approve(
    staff: StaffContext,
    recordId: string,
    now = new Date(),
  ): Promise<RecordDisposalEntity> {
    if (!canDisposeRecords(staff)) {
      throw new RecordError(RecordErrorCode.NotPermitted, 'only an admin approves disposals');
    }
    const record = await this.db
      .getRepository(RecordEntity)
      .findOneBy({ id: recordId, municipalityCode: staff.municipalityCode });
    if (!record) {
      throw new RecordError(RecordErrorCode.NotFound, 'record not found');
    }
    if (!isPastRetention(record.retentionEnd, now)) {
      throw new RecordError(
        RecordErrorCode.UnderRetention,
        `record ${record.receiptNumber} is retained until ${record.retentionEnd}`,
        { retentionEnd: record.retentionEnd },
      );
    }
    const tombstone = await this.db.transaction(async (em) => {
      const files = await em.find(RecordFileEntity, { where: { recordId: record.id } });
      await em.delete(RecordFileEntity, { recordId: record.id });
      const deleted = await em.delete(RecordEntity, { id: record.id });
      if (deleted.affected !== 1) {
        // another administrator disposed of it meanwhile
        throw new RecordError(RecordErrorCode.NotFound, 'record already disposed of');
      }
      const row: RecordDisposalEntity = {
        id: randomUUID(),
        recordId: record.id,
        applicationId: record.applicationId,
        municipalityCode: record.municipalityCode,
        receiptNumber: record.receiptNumber,
        formId: record.formId,
        formVersion: record.formVersion,
        packageSha256: record.packageSha256,
        retentionEnd: record.retentionEnd,
        recordCreatedAt: record.createdAt,
        fileCount: files.length,
        disposedAt: now,
        approvedBy: staff.id,
        approvedByName: staff.displayName.slice(0, 200),
        blobKeys: files.map((f) => f.blobKey),
        filesDeletedAt: null,
      };
      await em.insert(RecordDisposalEntity, row);
      await this.audit.append(em, {
        actor: staff,
        municipalityCode: record.municipalityCode,
        action: AuditAction.RecordDisposed,
        targetType: 'record',
        targetId: record.id,
        detail: {
          receiptNumber: record.receiptNumber,
          applicationId: record.applicationId,
          formId: record.formId,
          packageSha256: record.packageSha256,
          retentionEnd: record.retentionEnd,
          files: files.map((f) => ({ name: f.name, sha256: f.sha256, size: f.size })),
        },
      });
      return row;
    });
    await this.deleteFiles(tombstone);
    return { ...tombstone, blobKeys: [], filesDeletedAt: now };
  }

  /** Deletes the files of disposals whose file deletion was interrupted; returns how many it finished. */
  async finishPending(): Promise<number> {
    const pending = await this.db
      .getRepository(RecordDisposalEntity)
      .findBy({ filesDeletedAt: IsNull() });
    for (const t of pending) {
      await this.deleteFiles(t);
    }
    return pending.length;
  }

  private async deleteFiles(t: RecordDisposalEntity): Promise<void> {
    for (const key of t.blobKeys) {
      await this.blobs.delete(key);
    }
    await this.db
      .getRepository(RecordDisposalEntity)
      .update({ id: t.id }, { blobKeys: [], filesDeletedAt: new Date() });
  }
}
