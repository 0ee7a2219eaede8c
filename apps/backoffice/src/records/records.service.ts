import type { BlobStore } from '@madoguchi/common';
import { packageSha256 } from '@madoguchi/records';
import type { ApplicationStatus } from '@madoguchi/transfer';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import type { AuditLog } from '../audit/audit-log';
import type { StaffContext } from '../auth/staff-context';
import { ApplicationEntity } from '../database/entities/application.entity';
import { ApplicationIdentityEntity } from '../database/entities/application-identity.entity';
import { AttachmentEntity } from '../database/entities/attachment.entity';
import { MunicipalityEntity } from '../database/entities/municipality.entity';
import { RecordEntity } from '../database/entities/record.entity';
import { RecordFileEntity } from '../database/entities/record-file.entity';
import type { FormCatalog } from '../forms/form-catalog';
import { buildRecordPackage } from './record-package.builder';
import { RecordError, RecordErrorCode } from './record.error';

/** The status that makes an application a record (完了). */
export const ACCEPTED_STATUS: ApplicationStatus = 'completed';

/**
 * Called inside the transaction that accepts an application, after the record and its files are inserted: the
 * archive outbox (issue 6) adds its rows here, so they commit or roll back with the acceptance.
 */
export type RecordCreatedHook = (
  manager: EntityManager,
  record: RecordEntity,
  files: readonly RecordFileEntity[],
) => Promise<void>;

export interface RecordFileHandle {
  /** path inside the package: document.json, signature.p7s, chain.pem, revocation/…, attachments/<name> */
  name: string;
  sha256: string;
  size: number;
  mediaType: string;
  open(): Readable;
}

export interface RecordPackage {
  record: RecordEntity;
  files: RecordFileHandle[];
}

/**
 * Records (issue 5 §8): the immutable package of an accepted application. Files go to the blob store first; the
 * record and record_file rows commit in the transaction of the status change. Nothing here updates a record or
 * its files; only disposal (RecordDisposalService) removes them.
 */
export class RecordsService {
  private readonly hooks: RecordCreatedHook[] = [];

  constructor(
    private readonly db: DataSource,
    private readonly blobs: BlobStore,
    private readonly forms: FormCatalog,
    /** the hash-chained audit log: each record's creation is appended in the accepting transaction */
    private readonly audit?: AuditLog,
  ) {}

  /** Registers a hook run in every record's creating transaction (h-archive: the outbox rows). */
  onRecordCreated(hook: RecordCreatedHook): void {
    this.hooks.push(hook);
  }

  /**
   * Runs a status change's `work` in one transaction. When the change accepts the application (→ 完了), the record
   * package's files are built and stored first, and the record rows (and the hooks' rows) commit with `work`; if
   * anything fails, nothing is committed and the stored files are removed again.
   */
  async statusTransaction<T>(
    change: {
      application: ApplicationEntity;
      to: ApplicationStatus;
      staff: StaffContext;
      at: Date;
    },
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    if (change.to !== ACCEPTED_STATUS) {
      return this.db.transaction(work);
    }
    const prepared = await this.prepare(change.application, change.staff, change.at);
    try {
      return await this.db.transaction(async (em) => {
        const result = await work(em);
        await em.insert(RecordEntity, prepared.record);
        await em.insert(RecordFileEntity, prepared.files);
        for (const hook of this.hooks) {
          await hook(em, prepared.record, prepared.files);
        }
        // last: on PostgreSQL the audit chain's head stays locked until the commit
        await this.audit?.append(em, {
          actor: change.staff,
          municipalityCode: prepared.record.municipalityCode,
          action: AuditAction.RecordCreated,
          targetType: 'record',
          targetId: prepared.record.id,
          detail: {
            applicationId: prepared.record.applicationId,
            receiptNumber: prepared.record.receiptNumber,
            packageSha256: prepared.record.packageSha256,
            retentionEnd: prepared.record.retentionEnd,
            files: prepared.files.length,
          },
        });
        return result;
      });
    } catch (e) {
      await Promise.all(prepared.files.map((f) => this.blobs.delete(f.blobKey)));
      throw e;
    }
  }

  /** A record with handles on its files (for the archive connectors; not scoped: no staff member is involved). */
  async read(recordId: string): Promise<RecordPackage> {
    const record = await this.db.getRepository(RecordEntity).findOneBy({ id: recordId });
    if (!record) {
      throw new RecordError(RecordErrorCode.NotFound, `record ${recordId} not found`);
    }
    return { record, files: await this.handles(record.id) };
  }

  /** The record of an application, if it was accepted (and not yet disposed of); scoped to the staff member. */
  async forApplication(staff: StaffContext, applicationId: string): Promise<RecordPackage | null> {
    const record = await this.db
      .getRepository(RecordEntity)
      .findOneBy({ applicationId, municipalityCode: staff.municipalityCode });
    return record ? { record, files: await this.handles(record.id) } : null;
  }

  /** One file of an application's record, for download; another municipality's answers like a missing one. */
  async file(
    staff: StaffContext,
    applicationId: string,
    name: string,
  ): Promise<{ record: RecordEntity; file: RecordFileEntity; bytes: Buffer }> {
    const record = await this.db
      .getRepository(RecordEntity)
      .findOneBy({ applicationId, municipalityCode: staff.municipalityCode });
    const file = record
      ? await this.db.getRepository(RecordFileEntity).findOneBy({ recordId: record.id, name })
      : null;
    if (!record || !file) {
      throw new RecordError(RecordErrorCode.FileNotFound, 'record file not found');
    }
    return { record, file, bytes: await this.blobs.get(file.blobKey) };
  }

  /** Recomputes every file's SHA-256 and the package SHA-256 from the stored bytes; lists any difference. */
  async verify(recordId: string): Promise<{ isIntact: boolean; problems: string[] }> {
    const { record, files } = await this.read(recordId);
    const problems: string[] = [];
    const hashes: Array<{ name: string; sha256: string }> = [];
    for (const f of files) {
      const hash = createHash('sha256');
      let size = 0;
      try {
        for await (const chunk of f.open()) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
      } catch (e) {
        problems.push(`${f.name}: cannot be read (${(e as Error).message})`);
        continue;
      }
      const sha256 = hash.digest('hex');
      hashes.push({ name: f.name, sha256 });
      if (sha256 !== f.sha256 || size !== f.size) {
        problems.push(
          `${f.name}: SHA-256 ${sha256} (${size} bytes), recorded ${f.sha256} (${f.size})`,
        );
      }
    }
    const recomputed = packageSha256(files.map((f) => ({ name: f.name, sha256: f.sha256 })));
    if (recomputed !== record.packageSha256) {
      problems.push(`package SHA-256 ${recomputed}, recorded ${record.packageSha256}`);
    }
    return { isIntact: problems.length === 0, problems };
  }

  private async handles(recordId: string): Promise<RecordFileHandle[]> {
    const rows = await this.db
      .getRepository(RecordFileEntity)
      .find({ where: { recordId }, order: { name: 'ASC' } });
    const blobs = this.blobs;
    return rows.map((f) => ({
      name: f.name,
      sha256: f.sha256,
      size: f.size,
      mediaType: f.mediaType,
      open: () =>
        Readable.from(
          (async function* () {
            yield await blobs.get(f.blobKey);
          })(),
        ),
    }));
  }

  /** Builds the package and puts its files in the blob store (outside any transaction). */
  private async prepare(
    application: ApplicationEntity,
    staff: StaffContext,
    at: Date,
  ): Promise<{ record: RecordEntity; files: RecordFileEntity[] }> {
    const form = this.forms.find(application.municipalityCode, application.formId);
    if (!form) {
      throw new RecordError(
        RecordErrorCode.FormUnknown,
        `form ${application.municipalityCode}/${application.formId} is not loaded: its retention is unknown`,
      );
    }
    const [attachments, identity, municipality] = await Promise.all([
      this.db.getRepository(AttachmentEntity).find({
        where: { applicationId: application.id },
        order: { fieldId: 'ASC', fileName: 'ASC', id: 'ASC' },
      }),
      this.db.getRepository(ApplicationIdentityEntity).findOneBy({ applicationId: application.id }),
      this.db.getRepository(MunicipalityEntity).findOneBy({ code: application.municipalityCode }),
    ]);
    const recordId = randomUUID();
    const built = await buildRecordPackage({
      recordId,
      application,
      attachments: await Promise.all(
        attachments.map(async (attachment) => ({
          attachment,
          bytes: await this.blobs.get(attachment.blobKey),
        })),
      ),
      identity,
      document: identity?.documentBlobKey ? await this.blobs.get(identity.documentBlobKey) : null,
      cms: identity?.cmsBlobKey ? await this.blobs.get(identity.cmsBlobKey) : null,
      form,
      municipality: {
        code: application.municipalityCode,
        name: municipality?.nameJa ?? application.municipalityCode,
      },
      acceptedBy: staff.id,
      createdAt: at,
    });
    const files: RecordFileEntity[] = [];
    try {
      for (const f of built.files) {
        const { key, sha256 } = await this.blobs.put(f.bytes);
        files.push({
          recordId,
          name: f.name,
          sha256,
          size: f.bytes.length,
          mediaType: f.mediaType,
          blobKey: key,
        });
      }
    } catch (e) {
      await Promise.all(files.map((f) => this.blobs.delete(f.blobKey)));
      throw e;
    }
    return {
      record: {
        id: recordId,
        applicationId: application.id,
        municipalityCode: application.municipalityCode,
        receiptNumber: application.receiptNumber,
        formId: application.formId,
        formVersion: application.formVersion,
        packageSha256: built.packageSha256,
        retentionYears: built.retentionYears,
        retentionEnd: built.retentionEnd,
        createdAt: at,
        createdBy: staff.id,
        state: 'kept',
      },
      files,
    };
  }
}
