import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, LessThan, Not, type DataSource } from 'typeorm';
import type { BlobStore } from '@madoguchi/common';
import {
  APPLICATION_STATUSES,
  TRANSFER_MAX_SKEW_MS,
  TransferAuthError,
  TransferAuthErrorCode,
  type TransferApplication,
  type TransferStatusUpdate,
} from '@madoguchi/transfer';
import { PORTAL_BLOB_STORE } from '../config/portal-config.provider';
import { ApplicationEntity } from '../database/entities/application.entity';
import { TransferNonceEntity } from '../database/entities/transfer-nonce.entity';

/** The portal's side of the zone boundary: hand over, forget after acknowledgement, take status back. */
@Injectable()
export class TransferService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TransferService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PORTAL_BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const dropped = await this.dropLeftoverAttachments();
    if (dropped > 0) {
      this.logger.log(`dropped the attachments of ${dropped} picked-up applications`);
    }
  }

  /** Records a nonce; a nonce seen before is a replay (kept for the whole time window, across restarts). */
  async useNonce(nonce: string, now = new Date()): Promise<void> {
    const repo = this.db.getRepository(TransferNonceEntity);
    try {
      await repo.insert({ nonce, expiresAt: new Date(now.getTime() + 2 * TRANSFER_MAX_SKEW_MS) });
    } catch {
      throw new TransferAuthError(TransferAuthErrorCode.Replayed, 'transfer nonce already used');
    }
    if (Math.random() < 0.05) {
      await repo.delete({ expiresAt: LessThan(now) });
    }
  }

  async pending(limit: number): Promise<TransferApplication[]> {
    const rows = await this.db.getRepository(ApplicationEntity).find({
      where: { pickedUpAt: IsNull() },
      order: { submittedAt: 'ASC' },
      take: Math.min(Math.max(limit, 1), 100),
    });
    return Promise.all(
      rows.map(async (a) => ({
        id: a.id,
        receiptNumber: a.receiptNumber,
        municipalityCode: a.municipalityCode,
        formId: a.formId,
        formVersion: a.formVersion,
        formSha256: a.formSha256,
        formTitle: a.formTitle,
        answers: a.answers ?? {},
        attachments: await Promise.all(
          (a.attachments ?? []).map(async (r) => ({
            id: r.id,
            fieldId: r.fieldId ?? '',
            name: r.name,
            type: r.type,
            size: r.size,
            sha256: r.sha256,
            contentBase64: (await this.blobs.get(r.blobKey)).toString('base64'),
          })),
        ),
        submittedAt: a.submittedAt.toISOString(),
        identity: a.identity ?? null,
        corrects: a.corrects,
      })),
    );
  }

  /**
   * The back office has stored the application: drop the personal data, keep receipt number and status.
   * Idempotent: a second acknowledgement (a retry after a lost answer) changes nothing.
   */
  async acknowledge(id: string): Promise<boolean> {
    const repo = this.db.getRepository(ApplicationEntity);
    const app = await repo.findOneBy({ id });
    if (!app) {
      return false;
    }
    if (!app.pickedUpAt) {
      // The attachment references stay until their bytes are gone: a crash in between leaves a row that
      // dropLeftoverAttachments finishes at the next start, not files nothing points at.
      await repo.update(
        { id, pickedUpAt: IsNull() },
        {
          pickedUpAt: new Date(),
          answers: null,
          identity: null,
          status: app.status === 'submitted' ? 'received' : app.status,
        },
      );
    }
    await this.dropAttachments(app);
    return true;
  }

  /** Finishes acknowledgements that a crash interrupted between the row and the bytes; run at every start. */
  async dropLeftoverAttachments(): Promise<number> {
    const rows = await this.db.getRepository(ApplicationEntity).find({
      where: { pickedUpAt: Not(IsNull()), attachments: Not(IsNull()) },
    });
    for (const row of rows) {
      await this.dropAttachments(row);
    }
    return rows.length;
  }

  private async dropAttachments(app: ApplicationEntity): Promise<void> {
    if (app.attachments === null) {
      return;
    }
    await Promise.all(app.attachments.map((b) => this.blobs.delete(b.blobKey)));
    await this.db
      .getRepository(ApplicationEntity)
      .update({ id: app.id, pickedUpAt: Not(IsNull()) }, { attachments: null });
  }

  /** Applies status changes; an older or repeated version is ignored, so pushes may be retried or reordered. */
  async applyStatus(
    updates: TransferStatusUpdate[],
  ): Promise<{ applied: number; unknown: string[] }> {
    const repo = this.db.getRepository(ApplicationEntity);
    let applied = 0;
    const unknown: string[] = [];
    for (const u of updates) {
      const result = await repo.update(
        { receiptNumber: u.receiptNumber, statusVersion: LessThan(u.version) },
        {
          status: u.status,
          statusMessage: u.message ?? null,
          statusVersion: u.version,
          statusChangedAt: new Date(u.changedAt),
          // the prefill of a correction is kept only while the application is returned and not yet corrected
          correctionAnswers: null,
        },
      );
      if ((result.affected ?? 0) > 0) {
        if (u.status === 'returned' && u.correction) {
          await repo.update(
            { receiptNumber: u.receiptNumber, statusVersion: u.version, correctedBy: IsNull() },
            { correctionAnswers: u.correction.answers },
          );
        }
        applied++;
      } else if (!(await repo.existsBy({ receiptNumber: u.receiptNumber }))) {
        unknown.push(u.receiptNumber);
      }
    }
    if (unknown.length > 0) {
      this.logger.warn(`status for unknown receipt numbers: ${unknown.length}`);
    }
    return { applied, unknown };
  }
}

export function isStatusUpdate(u: unknown): u is TransferStatusUpdate {
  const x = u as Partial<TransferStatusUpdate> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.receiptNumber === 'string' &&
    typeof x.status === 'string' &&
    (APPLICATION_STATUSES as readonly string[]).includes(x.status) &&
    Number.isInteger(x.version) &&
    (x.version ?? 0) > 0 &&
    typeof x.changedAt === 'string' &&
    !Number.isNaN(Date.parse(x.changedAt)) &&
    (x.message === undefined || (typeof x.message === 'string' && x.message.length <= 2000)) &&
    (x.correction === undefined ||
      (typeof x.correction === 'object' &&
        x.correction !== null &&
        typeof x.correction.answers === 'object' &&
        x.correction.answers !== null &&
        !Array.isArray(x.correction.answers)))
  );
}
