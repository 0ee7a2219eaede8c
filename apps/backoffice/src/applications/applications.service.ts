import type { BlobStore } from '@madoguchi/common';
import { In, type DataSource } from 'typeorm';
import { canOpenDepartment, type StaffContext } from '../auth/staff-context';
import { AuditAction } from '../audit/audit-action';
import type { AuditLog } from '../audit/audit-log';
import { ApplicationEntity } from '../database/entities/application.entity';
import { ApplicationCommentEntity } from '../database/entities/application-comment.entity';
import { ApplicationIdentityEntity } from '../database/entities/application-identity.entity';
import { AttachmentEntity } from '../database/entities/attachment.entity';
import { StatusChangeEntity } from '../database/entities/status-change.entity';
import { StatusOutboxEntity } from '../database/entities/status-outbox.entity';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import type { FormCatalog } from '../forms/form-catalog';
import { RevocationCheckEntity } from '../database/entities/revocation-check.entity';
import type { RecordsService } from '../records/records.service';
import { ApplicationError, ApplicationErrorCode } from './application.error';
import { mayReview } from './review-permission';
import { checkComment, checkTransition } from './status-transition';

export interface ApplicationDetail {
  application: ApplicationEntity;
  attachments: AttachmentEntity[];
  history: StatusChangeEntity[];
  identity: ApplicationIdentityEntity | null;
  comments: ApplicationCommentEntity[];
  /** the form's department (担当課), from the form definition */
  department: string | undefined;
  /** whether this staff member may change status, assign and comment */
  mayReview: boolean;
  /** the returned application this one corrects, and the correction of this one (ids within the municipality) */
  links: { corrects: LinkedApplication | null; correctedBy: LinkedApplication | null };
  /** 現況確認 rows, newest first (at most 20) */
  revocationChecks: RevocationCheckEntity[];
}

export interface LinkedApplication {
  receiptNumber: string;
  /** undefined when the linked receipt number is not (or not yet) in this municipality's back office */
  id?: string;
}

export interface Assignee {
  id: string;
  displayName: string;
}

/** Staff's view of the applications. Every query is scoped to the staff member's municipality (ARCHITECTURE.md). */
export class ApplicationsService {
  constructor(
    private readonly db: DataSource,
    private readonly blobs: BlobStore,
    private readonly records: RecordsService,
    /** the form definitions: an application's department comes from its form */
    private readonly forms: FormCatalog,
    /** every review action is appended to the audit log in its own transaction (issue 5 §7) */
    private readonly audit?: AuditLog,
  ) {}

  /** Everything the detail page shows: by id, or for an application `find(staff, …)` already loaded. */
  async detail(
    staff: StaffContext,
    target: string | ApplicationEntity,
  ): Promise<ApplicationDetail> {
    const application = typeof target === 'string' ? await this.find(staff, target) : target;
    const [attachments, history, identity, comments, links, revocationChecks] = await Promise.all([
      this.db.getRepository(AttachmentEntity).find({
        where: { applicationId: application.id },
        order: { fieldId: 'ASC', fileName: 'ASC' },
      }),
      this.db.getRepository(StatusChangeEntity).find({
        where: { applicationId: application.id },
        order: { id: 'ASC' },
      }),
      this.db.getRepository(ApplicationIdentityEntity).findOneBy({ applicationId: application.id }),
      this.db.getRepository(ApplicationCommentEntity).find({
        where: { applicationId: application.id },
        order: { id: 'ASC' },
      }),
      this.links(application),
      this.db.getRepository(RevocationCheckEntity).find({
        where: { applicationId: application.id },
        order: { checkedAt: 'DESC', id: 'DESC' },
        take: 20,
      }),
    ]);
    const department = this.departmentOf(application);
    return {
      application,
      attachments,
      history,
      identity,
      comments,
      department,
      mayReview: mayReview(staff, department),
      links,
      revocationChecks,
    };
  }

  /** Staff who may be made the assignee of this application: its department's reviewers and the admins. */
  async eligibleAssignees(
    staff: StaffContext,
    application: ApplicationEntity,
  ): Promise<Assignee[]> {
    const department = this.departmentOf(application);
    const users = await this.db.getRepository(StaffUserEntity).find({
      where: { municipalityCode: staff.municipalityCode },
      order: { displayName: 'ASC', loginId: 'ASC' },
    });
    return users
      .filter((u) => mayReview(u, department))
      .map((u) => ({ id: u.id, displayName: u.displayName }));
  }

  /**
   * Makes `assignee` ('me', a staff id, or '' for nobody) the one in charge. Only someone who may review the
   * application assigns it, and only to someone who may review it too.
   */
  async assign(staff: StaffContext, id: string, assignee: unknown): Promise<ApplicationEntity> {
    const application = await this.find(staff, id);
    this.ensureMayReview(staff, application);
    let assigneeId: string | null;
    if (assignee === 'me') {
      assigneeId = staff.id;
    } else if (assignee === '' || assignee === undefined) {
      assigneeId = null;
    } else {
      const eligible = await this.eligibleAssignees(staff, application);
      const found = eligible.find((e) => e.id === assignee);
      if (!found) {
        throw new ApplicationError(
          ApplicationErrorCode.AssigneeNotEligible,
          'assignee unknown, of another municipality or not a reviewer of this department',
        );
      }
      assigneeId = found.id;
    }
    if (assigneeId === staff.id && !mayReview(staff, this.departmentOf(application))) {
      throw new ApplicationError(ApplicationErrorCode.AssigneeNotEligible, 'cannot review');
    }
    await this.db.transaction(async (em) => {
      await em.update(
        ApplicationEntity,
        { id: application.id },
        { assigneeId, updatedAt: new Date() },
      );
      await this.audit?.append(em, {
        actor: staff,
        municipalityCode: staff.municipalityCode,
        action: AuditAction.ApplicationAssigned,
        targetType: 'application',
        targetId: application.id,
        detail: {
          receiptNumber: application.receiptNumber,
          from: application.assigneeId,
          to: assigneeId,
        },
      });
    });
    return { ...application, assigneeId };
  }

  /** An internal comment: staff only, never pushed to the portal. */
  async comment(staff: StaffContext, id: string, body: unknown): Promise<ApplicationCommentEntity> {
    const application = await this.find(staff, id);
    this.ensureMayReview(staff, application);
    const text = checkComment(body);
    return this.db.transaction(async (em) => {
      const comment = await em.save(
        em.create(ApplicationCommentEntity, {
          applicationId: application.id,
          authorId: staff.id,
          body: text,
          createdAt: new Date(),
        }),
      );
      // the comment's text stays in its table; the log says who commented where and when
      await this.audit?.append(em, {
        actor: staff,
        municipalityCode: staff.municipalityCode,
        action: AuditAction.ApplicationCommented,
        targetType: 'application',
        targetId: application.id,
        detail: { receiptNumber: application.receiptNumber, commentId: comment.id },
      });
      return comment;
    });
  }

  /** Display names of staff ids (history, comments, assignees); unknown ids are left out. */
  async staffNames(ids: Iterable<string | null>): Promise<Map<string, string>> {
    const wanted = [...new Set([...ids].filter((x): x is string => typeof x === 'string'))];
    const users = wanted.length
      ? await this.db.getRepository(StaffUserEntity).findBy({ id: In(wanted) })
      : [];
    return new Map(users.map((u) => [u.id, u.displayName]));
  }

  departmentOf(application: ApplicationEntity): string | undefined {
    return this.forms.find(application.municipalityCode, application.formId)?.department.ja;
  }

  /** A disposed application (廃棄) is a tombstone: nothing is added to it and nothing of it is downloaded. */
  private ensureNotDisposed(application: ApplicationEntity): void {
    if (application.disposedAt) {
      throw new ApplicationError(ApplicationErrorCode.Disposed, 'the application was disposed of');
    }
  }

  private ensureMayReview(staff: StaffContext, application: ApplicationEntity): void {
    this.ensureNotDisposed(application);
    if (!mayReview(staff, this.departmentOf(application))) {
      throw new ApplicationError(
        ApplicationErrorCode.NotPermitted,
        `${staff.role} may not review ${application.formId}`,
      );
    }
  }

  private async links(a: ApplicationEntity): Promise<ApplicationDetail['links']> {
    const link = async (receiptNumber: string | null): Promise<LinkedApplication | null> => {
      if (receiptNumber === null) {
        return null;
      }
      const other = await this.db.getRepository(ApplicationEntity).findOne({
        select: { id: true },
        where: { receiptNumber, municipalityCode: a.municipalityCode },
      });
      return other ? { receiptNumber, id: other.id } : { receiptNumber };
    };
    return {
      corrects: await link(a.correctsReceiptNumber),
      correctedBy: await link(a.correctedByReceiptNumber),
    };
  }

  /** The signed document's bytes or the .p7s, exactly as stored at pickup (scoped like every other query). */
  async signedFile(
    staff: StaffContext,
    applicationId: string,
    which: 'document' | 'cms',
  ): Promise<{ receiptNumber: string; bytes: Buffer }> {
    const application = await this.find(staff, applicationId);
    this.ensureNotDisposed(application);
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
    this.ensureNotDisposed(application);
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
    const application = await this.find(staff, id);
    this.ensureMayReview(staff, application);
    // Someone changed it since the page was loaded: say so (reload), whatever the transition would have been —
    // judged against the status the staff member saw, a transition can look "not allowed" when it was only late.
    if (application.statusVersion !== input.expectedVersion) {
      throw new ApplicationError(
        ApplicationErrorCode.StaleVersion,
        'the application changed since the page was loaded',
      );
    }
    const { to, message } = checkTransition(
      application.status,
      input.to,
      input.message,
      application.correctedByReceiptNumber,
    );
    const now = new Date();
    const version = application.statusVersion + 1;
    // acceptance (完了) makes the record package, committed in this same transaction (issue 5 §8)
    await this.records.statusTransaction({ application, to, staff, at: now }, async (em) => {
      const result = await em
        .createQueryBuilder()
        .update(ApplicationEntity)
        .set({ status: to, statusVersion: version, updatedAt: now })
        .where(
          'id = :id AND status_version = :expected AND status = :from AND corrected_by_receipt_number IS NULL',
          {
            id: application.id,
            expected: input.expectedVersion,
            from: application.status,
          },
        )
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
      await this.audit?.append(em, {
        actor: staff,
        municipalityCode: staff.municipalityCode,
        action: AuditAction.ApplicationStatusChanged,
        targetType: 'application',
        targetId: application.id,
        detail: {
          receiptNumber: application.receiptNumber,
          from: application.status,
          to,
          version,
          ...(message ? { reason: message } : {}),
        },
      });
    });
    return { ...application, status: to, statusVersion: version, updatedAt: now };
  }

  /** The application as this staff member may open it: 404 across municipalities and, for reviewers, 担当課. */
  async find(staff: StaffContext, id: string): Promise<ApplicationEntity> {
    // Another municipality's application answers exactly like a missing one.
    const application = await this.db
      .getRepository(ApplicationEntity)
      .findOneBy({ id, municipalityCode: staff.municipalityCode });
    // A reviewer's application of another 担当課 too (a guessed id learns nothing).
    if (!application || !canOpenDepartment(staff, this.departmentOf(application))) {
      throw new ApplicationError(ApplicationErrorCode.NotFound, 'application not found');
    }
    return application;
  }
}
