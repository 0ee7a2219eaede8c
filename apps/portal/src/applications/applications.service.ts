import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { validateAnswers, type FormDefinition } from '@madoguchi/forms';
import { ApplicationEntity } from '../database/entities/application.entity';
import { DraftEntity } from '../database/entities/draft.entity';
import type { FieldErrors } from '../drafts/drafts.service';
import { PortalError, PortalErrorCode } from '../portal.error';
import { newReceiptNumber, newStatusSecret, secretMatches } from './receipt';

export type SubmitResult =
  { ok: true; receiptNumber: string; secret: string } | { ok: false; errors: FieldErrors };

@Injectable()
export class ApplicationsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Submits a draft of an `identity: none` form: the whole application is validated again, then the application is
   * inserted and the draft deleted in one transaction. Forms that need the card cannot be submitted until signing
   * exists (issue 2 §5): they are refused, never accepted unsigned.
   */
  async submit(form: FormDefinition, draft: DraftEntity): Promise<SubmitResult> {
    if (form.identity !== 'none') {
      throw new PortalError(
        PortalErrorCode.IdentityRequired,
        `form ${form.id} needs ${form.identity}`,
      );
    }
    const { answers, errors } = validateAnswers(form, draft.rawValues, draft.attachments);
    if (Object.keys(errors).length > 0) {
      return { ok: false, errors };
    }
    const { secret, hash } = newStatusSecret();
    const now = new Date();
    const fileFields = new Set(
      form.sections.flatMap((s) => s.fields.filter((f) => f.type === 'file').map((f) => f.id)),
    );
    const attachments = Object.entries(draft.attachments)
      .filter(([fieldId]) => fileFields.has(fieldId) && answers[fieldId] !== undefined)
      .flatMap(([fieldId, refs]) => refs.map((r) => ({ ...r, fieldId })));
    for (let attempt = 0; ; attempt++) {
      const receiptNumber = newReceiptNumber(now);
      try {
        await this.db.transaction(async (tx) => {
          await tx.insert(ApplicationEntity, {
            id: randomUUID(),
            receiptNumber,
            secretHash: hash,
            municipalityCode: form.municipalityCode,
            formId: form.id,
            formVersion: form.version,
            formSha256: form.sha256,
            formTitle: form.title,
            answers,
            attachments,
            status: 'submitted',
            statusMessage: null,
            statusVersion: 0,
            submittedAt: now,
            pickedUpAt: null,
            statusChangedAt: null,
          });
          await tx.delete(DraftEntity, { id: draft.id });
        });
        return { ok: true, receiptNumber, secret };
      } catch (e) {
        if (attempt < 3 && isUniqueViolation(e)) {
          continue;
        }
        throw e;
      }
    }
  }

  async findForResident(receiptNumber: string, secret: string): Promise<ApplicationEntity> {
    const app = /^\d{8}-\d{8}$/.test(receiptNumber)
      ? await this.db.getRepository(ApplicationEntity).findOneBy({ receiptNumber })
      : null;
    if (!app || !secretMatches(secret, app.secretHash)) {
      throw new PortalError(PortalErrorCode.StatusNotFound, 'no such receipt or wrong secret');
    }
    return app;
  }
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === '23505' || /UNIQUE constraint failed/.test(err.message ?? '');
}
