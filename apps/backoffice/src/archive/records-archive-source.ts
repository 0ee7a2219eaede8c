import type { DataSource } from 'typeorm';
import { ApplicationEntity } from '../database/entities/application.entity';
import { MunicipalityEntity } from '../database/entities/municipality.entity';
import type { FormCatalog } from '../forms/form-catalog';
import type { RecordsService } from '../records/records.service';
import type { ArchiveOutboxService } from './archive-outbox.service';
import type { ArchiveRecordSource } from './archive.worker';
import type { ArchiveRecord } from './bagit/bag';

/**
 * The records service as the archive worker reads it: the record's files, and the metadata a bag carries
 * (municipality name, form title, 文書分類 and 担当課 from the form definition; the application's own title and
 * department when the form is no longer in the catalog).
 */
export class RecordsArchiveSource implements ArchiveRecordSource {
  constructor(
    private readonly db: DataSource,
    private readonly records: RecordsService,
    private readonly forms: FormCatalog,
  ) {}

  async read(recordId: string): Promise<ArchiveRecord> {
    const { record, files } = await this.records.read(recordId);
    const [municipality, application] = await Promise.all([
      this.db.getRepository(MunicipalityEntity).findOneBy({ code: record.municipalityCode }),
      this.db.getRepository(ApplicationEntity).findOneBy({ id: record.applicationId }),
    ]);
    const form = this.forms.find(record.municipalityCode, record.formId);
    return {
      record: {
        id: record.id,
        municipalityCode: record.municipalityCode,
        municipalityName: municipality?.nameJa ?? record.municipalityCode,
        receiptNumber: record.receiptNumber,
        formId: record.formId,
        formTitle: form?.title.ja ?? application?.titleJa ?? record.formId,
        classification: form?.classification?.ja ?? null,
        department: form?.department.ja ?? application?.department ?? '',
        retentionYears: record.retentionYears,
        retentionEndDate: record.retentionEnd,
        createdAt: record.createdAt,
      },
      files: files.map((f) => ({
        name: f.name,
        sha256: f.sha256,
        size: f.size,
        open: () => f.open(),
      })),
    };
  }
}

/** The outbox rows of every new record, in the transaction that accepts the application (issue 6 §2). */
export function enqueueOnRecordCreated(
  records: RecordsService,
  outbox: ArchiveOutboxService,
): void {
  records.onRecordCreated(async (manager, record) => {
    await outbox.enqueue(
      manager,
      {
        id: record.id,
        applicationId: record.applicationId,
        municipalityCode: record.municipalityCode,
        formId: record.formId,
        receiptNumber: record.receiptNumber,
      },
      record.createdAt,
    );
  });
}
