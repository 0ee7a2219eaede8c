import type { BlobStore } from '@madoguchi/common';
import { APPLICATION_STATUSES, type ApplicationStatus } from '@madoguchi/transfer';
import type { DataSource } from 'typeorm';
import { canChangeStatus, type StaffContext } from '../auth/staff-context';
import { ApplicationEntity } from '../database/entities/application.entity';
import { ApplicationIdentityEntity } from '../database/entities/application-identity.entity';
import { AttachmentEntity } from '../database/entities/attachment.entity';
import { StatusChangeEntity } from '../database/entities/status-change.entity';
import { StatusOutboxEntity } from '../database/entities/status-outbox.entity';
import { ApplicationError, ApplicationErrorCode } from './application.error';
import { checkTransition } from './status-transition';

export const LIST_LIMIT = 200;

export interface ApplicationDetail {
  application: ApplicationEntity;
  attachments: AttachmentEntity[];
  history: StatusChangeEntity[];
  identity: ApplicationIdentityEntity | null;
}

/** Staff's view of the applications. Every query is scoped to the staff member's municipality (ARCHITECTURE.md). */
export class ApplicationsService {
  constructor(
    private readonly db: DataSource,
    private readonly blobs: BlobStore,
  ) {}

  async list(
    staff: StaffContext,
    status?: ApplicationStatus,
  ): Promise<{ applications: ApplicationEntity[]; counts: Record<ApplicationStatus, number> }> {
    const repo = this.db.getRepository(ApplicationEntity);
    const applications = await repo.find({
      where: { municipalityCode: staff.municipalityCode, ...(status ? { status } : {}) },
      order: { submittedAt: 'DESC', receiptNumber: 'DESC' },
      take: LIST_LIMIT,
    });
    const rows = await repo
      .createQueryBuilder('a')
      .select('a.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where('a.municipality_code = :code', { code: staff.municipalityCode })
      .groupBy('a.status')
      .getRawMany<{ status: ApplicationStatus; count: string | number }>();
    const counts = Object.fromEntries(APPLICATION_STATUSES.map((s) => [s, 0])) as Record<
      ApplicationStatus,
      number
    >;
    for (const row of rows) {
      counts[row.status] = Number(row.count);
    }
    return { applications, counts };
  }

  async detail(staff: StaffContext, id: string): Promise<ApplicationDetail> {
    const application = await this.find(staff, id);
    const [attachments, history, identity] = await Promise.all([
      this.db.getRepository(AttachmentEntity).find({
        where: { applicationId: application.id },
        order: { fieldId: 'ASC', fileName: 'ASC' },
      }),
      this.db.getRepository(StatusChangeEntity).find({
        where: { applicationId: application.id },
        order: { id: 'ASC' },
      }),
      this.db.getRepository(ApplicationIdentityEntity).findOneBy({ applicationId: application.id }),
    ]);
    return { application, attachments, history, identity };
  }

  /** The signed document's bytes or the .p7s, exactly as stored at pickup (scoped like every other query). */
  async signedFile(
    staff: StaffContext,
    applicationId: string,
    which: 'document' | 'cms',
  ): Promise<{ receiptNumber: string; bytes: Buffer }> {
    const application = await this.find(staff, applicationId);
    const identity = await this.db
      .getRepository(ApplicationIdentityEntity)
      .findOneBy({ applicationId: application.id });
    const key = which === 'document' ? identity?.documentBlobKey : identity?.cmsBlobKey;
    if (!key) {
      throw new ApplicationError(
        ApplicationErrorCode.AttachmentNotFound,
        'not a signed application',
      );
    }
    return { receiptNumber: application.receiptNumber, bytes: await this.blobs.get(key) };
  }

  async attachment(
    staff: StaffContext,
    applicationId: string,
    attachmentId: string,
  ): Promise<{ attachment: AttachmentEntity; bytes: Buffer }> {
    const application = await this.find(staff, applicationId);
    const attachment = await this.db
      .getRepository(AttachmentEntity)
      .findOneBy({ id: attachmentId, applicationId: application.id });
    if (!attachment) {
      throw new ApplicationError(ApplicationErrorCode.AttachmentNotFound, 'attachment not found');
    }
    return { attachment, bytes: await this.blobs.get(attachment.blobKey) };
  }

  /**
   * One status change: the application row (only if nobody changed it since the staff member loaded the page),
   * the history row and the outbox row for the portal, in one transaction.
   */
  async changeStatus(
    staff: StaffContext,
    id: string,
    input: { to: unknown; message: unknown; expectedVersion: number },
  ): Promise<ApplicationEntity> {
    if (!canChangeStatus(staff)) {
      throw new ApplicationError(
        ApplicationErrorCode.NotPermitted,
        'this role cannot change status',
      );
    }
    const application = await this.find(staff, id);
    const { to, message } = checkTransition(application.status, input.to, input.message);
    const now = new Date();
    const version = application.statusVersion + 1;
    await this.db.transaction(async (em) => {
      const result = await em
        .createQueryBuilder()
        .update(ApplicationEntity)
        .set({ status: to, statusVersion: version, updatedAt: now })
        .where('id = :id AND status_version = :expected AND status = :from', {
          id: application.id,
          expected: input.expectedVersion,
          from: application.status,
        })
        .execute();
      if (result.affected !== 1) {
        throw new ApplicationError(
          ApplicationErrorCode.StaleVersion,
          'the application changed since the page was loaded',
        );
      }
      await em.insert(StatusChangeEntity, {
        applicationId: application.id,
        fromStatus: application.status,
        toStatus: to,
        changedBy: staff.id,
        changedAt: now,
        reason: message ?? null,
      });
      await em.insert(StatusOutboxEntity, {
        receiptNumber: application.receiptNumber,
        status: to,
        message: message ?? null,
        version,
        changedAt: now,
        pushedAt: null,
      });
    });
    return { ...application, status: to, statusVersion: version, updatedAt: now };
  }

  private async find(staff: StaffContext, id: string): Promise<ApplicationEntity> {
    // Another municipality's application answers exactly like a missing one.
    const application = await this.db
      .getRepository(ApplicationEntity)
      .findOneBy({ id, municipalityCode: staff.municipalityCode });
    if (!application) {
      throw new ApplicationError(ApplicationErrorCode.NotFound, 'application not found');
    }
    return application;
  }
}
