import type { BlobStore } from '@madoguchi/common';
import { todayInJapan } from '@madoguchi/forms';
import { isPastRetention } from '@madoguchi/records';
import { randomUUID } from 'node:crypto';
import { IsNull, LessThan, Not, type DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import type { AuditLog } from '../audit/audit-log';
import type { StaffContext } from '../auth/staff-context';
import { ApplicationEntity } from '../database/entities/application.entity';
import { ApplicationCommentEntity } from '../database/entities/application-comment.entity';
import { ApplicationIdentityEntity } from '../database/entities/application-identity.entity';
import { ArchiveDeliveryEntity } from '../database/entities/archive-delivery.entity';
import { AttachmentEntity } from '../database/entities/attachment.entity';
import { RecordEntity } from '../database/entities/record.entity';
import { RevocationCheckEntity } from '../database/entities/revocation-check.entity';
import { StatusChangeEntity } from '../database/entities/status-change.entity';
import { StatusOutboxEntity } from '../database/entities/status-outbox.entity';
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
 * The disposal job (廃棄, issue 5 §8): lists records past retention; a 管理者's approval deletes the record and every
 * piece of the resident's data (rows and files), keeps the disposal register (record_disposal) and a tombstone of
 * the application, and appends to the audit log. A record still under retention is refused and nothing changes.
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

  /** The disposal register's entry of one application of the municipality, if its record was disposed of. */
  async registerEntry(
    municipalityCode: string,
    applicationId: string,
  ): Promise<RecordDisposalEntity | null> {
    return this.db
      .getRepository(RecordDisposalEntity)
      .findOneBy({ municipalityCode, applicationId });
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
   * A 管理者 approves the disposal of one record of their municipality (廃棄). One transaction removes the resident's
   * data: the record and its files' rows, the application's answers and names, its attachments' and signed bytes'
   * rows, identity (certificate, card face, evidence), comments, 現況確認 rows, the reasons sent to the resident,
   * and the archive deliveries not yet made; the application row stays as a tombstone (receipt number, form,
   * department, dates), the register row (record_disposal) and the audit entry are written. The blobs go after the
   * commit; a crash in between leaves their keys in the register for finishPending().
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
      const applicationId = record.applicationId;
      // one after the other: a transaction is one connection
      const files = await em.find(RecordFileEntity, { where: { recordId: record.id } });
      const attachments = await em.find(AttachmentEntity, { where: { applicationId } });
      const identity = await em.findOneBy(ApplicationIdentityEntity, { applicationId });
      const application = await em.findOneBy(ApplicationEntity, { id: applicationId });
      const blobKeys = [
        ...files.map((f) => f.blobKey),
        ...attachments.map((a) => a.blobKey),
        ...[identity?.documentBlobKey, identity?.cmsBlobKey].filter(
          (k): k is string => typeof k === 'string',
        ),
      ];
      await em.delete(RecordFileEntity, { recordId: record.id });
      const deleted = await em.delete(RecordEntity, { id: record.id });
      if (deleted.affected !== 1) {
        // another administrator disposed of it meanwhile
        throw new RecordError(RecordErrorCode.NotFound, 'record already disposed of');
      }
      await em.delete(AttachmentEntity, { applicationId });
      await em.delete(ApplicationIdentityEntity, { applicationId });
      await em.delete(ApplicationCommentEntity, { applicationId });
      await em.delete(RevocationCheckEntity, { applicationId });
      // the outbox must not deliver a disposed record; deliveries already made stay as the archive's receipt
      const cancelled = await em.delete(ArchiveDeliveryEntity, {
        recordId: record.id,
        state: Not('delivered'),
      });
      await em.update(StatusChangeEntity, { applicationId }, { reason: null });
      await em.update(
        StatusOutboxEntity,
        { receiptNumber: record.receiptNumber },
        { message: null },
      );
      await em.update(
        ApplicationEntity,
        { id: applicationId },
        {
          answers: {},
          applicantName: '',
          searchName: '',
          searchKana: '',
          disposedAt: now,
          updatedAt: now,
        },
      );
      const row: RecordDisposalEntity = {
        id: randomUUID(),
        recordId: record.id,
        applicationId,
        municipalityCode: record.municipalityCode,
        receiptNumber: record.receiptNumber,
        formId: record.formId,
        formVersion: record.formVersion,
        department: application?.department ?? null,
        receivedAt: application?.receivedAt ?? null,
        packageSha256: record.packageSha256,
        retentionEnd: record.retentionEnd,
        recordCreatedAt: record.createdAt,
        fileCount: files.length,
        disposedAt: now,
        approvedBy: staff.id,
        approvedByName: staff.displayName.slice(0, 200),
        blobKeys,
        filesDeletedAt: null,
      };
      await em.insert(RecordDisposalEntity, row);
      // last: on PostgreSQL the audit chain's head stays locked until the commit
      await this.audit.append(em, {
        actor: staff,
        municipalityCode: record.municipalityCode,
        action: AuditAction.RecordDisposed,
        targetType: 'record',
        targetId: record.id,
        detail: {
          receiptNumber: record.receiptNumber,
          applicationId,
          formId: record.formId,
          formVersion: record.formVersion,
          department: row.department,
          receivedAt: row.receivedAt?.toISOString() ?? null,
          acceptedAt: record.createdAt.toISOString(),
          packageSha256: record.packageSha256,
          retentionEnd: record.retentionEnd,
          approvedBy: { id: staff.id, loginId: staff.loginId, name: row.approvedByName },
          files: files.map((f) => ({ name: f.name, sha256: f.sha256, size: f.size })),
          attachments: attachments.length,
          archiveDeliveriesCancelled: cancelled.affected ?? 0,
        },
      });
      return row;
    });
    await this.compactSqlite();
    try {
      await this.deleteFiles(tombstone);
    } catch {
      // committed: the register keeps the keys and the disposal job (finishPending) deletes them
      return tombstone;
    }
    return { ...tombstone, blobKeys: [], filesDeletedAt: now };
  }

  /**
   * SQLite: the deleted values are zeroed in the database file (secure_delete, set at open), but older page images
   * stay in the write-ahead log until a checkpoint; move them into the file and truncate the log. Best effort: a
   * reader in another process can hold the log, and the next checkpoint finishes it.
   */
  private async compactSqlite(): Promise<void> {
    if (this.db.options.type === 'better-sqlite3') {
      await this.db.query('PRAGMA wal_checkpoint(TRUNCATE)');
    }
  }

  /**
   * Deletes the files of disposals whose file deletion was interrupted (the disposal job, and the back office at
   * start-up); returns how many disposals it finished and how many files it removed. Idempotent.
   */
  async finishPending(): Promise<{ disposals: number; files: number }> {
    const pending = await this.db
      .getRepository(RecordDisposalEntity)
      .findBy({ filesDeletedAt: IsNull() });
    let files = 0;
    for (const t of pending) {
      await this.deleteFiles(t);
      files += t.blobKeys.length;
    }
    return { disposals: pending.length, files };
  }

  /** Idempotent: deleting a key already gone is no error, so an interrupted run is simply done again. */
  private async deleteFiles(t: RecordDisposalEntity): Promise<void> {
    for (const key of t.blobKeys) {
      await this.blobs.delete(key);
    }
    await this.db
      .getRepository(RecordDisposalEntity)
      .update({ id: t.id }, { blobKeys: [], filesDeletedAt: new Date() });
  }
}
