import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import {
  buildCanonicalDocument,
  type LocalizedText,
  validateAnswers,
  visibleSections,
  type Answers,
  type FormDefinition,
} from '@madoguchi/forms';
import {
  ApplicationEntity,
  type ApplicationIdentity,
} from '../database/entities/application.entity';
import { CardSessionEntity } from '../database/entities/card-session.entity';
import { DraftEntity, type DraftAttachmentRef } from '../database/entities/draft.entity';
import type { FieldErrors } from '../drafts/drafts.service';
import { answerText } from '../pages/form-view.mapper';
import { PortalError, PortalErrorCode } from '../portal.error';
import { CardSessionError, CardSessionErrorCode } from '../card-sessions/card-session.error';
import { newReceiptNumber, newStatusSecret, secretMatches } from './receipt';

export type SubmitResult =
  { ok: true; receiptNumber: string; secret: string } | { ok: false; errors: FieldErrors };

export type FreezeResult =
  { ok: true; document: { text: string; sha256: string } } | { ok: false; errors: FieldErrors };

export function needsSignature(form: FormDefinition): boolean {
  return form.identity === 'sign' || form.identity === 'cardface+sign';
}

interface NewApplication {
  form: FormDefinition;
  draft: DraftEntity;
  answers: Answers;
  attachments: DraftAttachmentRef[];
  identity: ApplicationIdentity | null;
}

@Injectable()
export class ApplicationsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Submits a draft of a form that needs no signature: the whole application is validated again, then the
   * application is inserted and the draft deleted in one transaction. A form that needs a signature is refused here:
   * it goes through signing (`freeze`, then the signer API), never unsigned.
   */
  async submit(form: FormDefinition, draft: DraftEntity): Promise<SubmitResult> {
    if (needsSignature(form)) {
      throw new PortalError(
        PortalErrorCode.IdentityRequired,
        `form ${form.id} needs ${form.identity}`,
      );
    }
    const { answers, errors } = validateAnswers(form, draft.rawValues, draft.attachments);
    if (Object.keys(errors).length > 0) {
      return { ok: false, errors };
    }
    return this.db.transaction(async (tx) => {
      const created = await this.insertApplication(tx, {
        form,
        draft,
        answers,
        attachments: attachmentsOf(form, draft, answers),
        identity: draft.cardface ? { cardface: draft.cardface, signature: null } : null,
      });
      return { ok: true as const, ...created };
    });
  }

  /**
   * The resident confirmed: freeze the application as the canonical document (RFC 8785 JSON) that will be signed,
   * byte for byte (issue 4 §2), with the human-readable lines the card app shows before signing.
   */
  async freeze(form: FormDefinition, draft: DraftEntity, now = new Date()): Promise<FreezeResult> {
    if (!needsSignature(form)) {
      throw new PortalError(PortalErrorCode.StepNotFound, `form ${form.id} is not signed`);
    }
    const { answers, errors } = validateAnswers(form, draft.rawValues, draft.attachments);
    if (Object.keys(errors).length > 0) {
      return { ok: false, errors };
    }
    const doc = await buildCanonicalDocument({
      municipalityCode: form.municipalityCode,
      formId: form.id,
      formVersion: form.version,
      formSha256: form.sha256,
      answers,
      attachments: attachmentsOf(form, draft, answers).map((a) => ({
        name: a.name,
        type: a.type,
        sha256: a.sha256,
      })),
      createdAt: now,
    });
    return { ok: true, document: { text: doc.bytes.toString('utf8'), sha256: doc.sha256 } };
  }

  /**
   * The human-readable lines of what is about to be signed (the card app shows them), from the draft the document
   * was frozen from — refused if the draft has changed since, so the lines always say what the bytes say.
   */
  summaryOfFrozen(
    form: FormDefinition,
    draft: DraftEntity,
    document: string,
  ): Array<{ label: LocalizedText; value: string }> {
    const frozen = JSON.parse(document) as { answers: unknown };
    const { answers } = validateAnswers(form, draft.rawValues, draft.attachments);
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(answers)), frozen.answers)) {
      throw new CardSessionError(
        CardSessionErrorCode.Closed,
        'the answers changed after signing began',
      );
    }
    return visibleSections(form, draft.rawValues).flatMap((s) =>
      s.fields
        .map((f) => ({
          label: f.label,
          value: answerText(f, draft)
            .map((line) => (typeof line === 'string' ? line : line.ja))
            .join(' '),
        }))
        .filter((line) => line.value !== ''),
    );
  }

  /**
   * A verified signature over the frozen document: the application (the signed bytes, the CMS, the report and
   * the evidence) is inserted, the draft deleted and the session closed, in one transaction.
   */
  async submitSigned(
    form: FormDefinition,
    session: CardSessionEntity,
    signature: NonNullable<ApplicationIdentity['signature']>,
  ): Promise<{ receiptNumber: string }> {
    return this.db.transaction(async (tx) => {
      const draft = await tx.findOneBy(DraftEntity, { id: session.draftId });
      if (!draft) {
        throw new CardSessionError(CardSessionErrorCode.Closed, 'the draft is gone');
      }
      const document = JSON.parse(signature.document) as {
        answers: Answers;
        attachments: Array<{ sha256: string; name: string }>;
      };
      const available = Object.entries(draft.attachments).flatMap(([fieldId, refs]) =>
        refs.map((r) => ({ ...r, fieldId })),
      );
      const attachments = document.attachments.map((a) => {
        const found = available.find((r) => r.sha256 === a.sha256 && r.name === a.name);
        if (!found) {
          throw new CardSessionError(
            CardSessionErrorCode.Closed,
            'an attachment changed after signing began',
          );
        }
        return found;
      });
      const created = await this.insertApplication(tx, {
        form,
        draft,
        answers: document.answers,
        attachments,
        identity: { cardface: draft.cardface ?? null, signature },
      });
      const closed = await tx.update(
        CardSessionEntity,
        { id: session.id, status: 'open' },
        {
          status: 'completed',
          completedAt: new Date(),
          resultPath: `/status/${created.receiptNumber}/${created.secret}?submitted=1`,
          signedAttributes: null,
        },
      );
      if ((closed.affected ?? 0) !== 1) {
        throw new CardSessionError(CardSessionErrorCode.Closed, 'session already used');
      }
      return { receiptNumber: created.receiptNumber };
    });
  }

  /**
   * The returned application a correction is started from: only the holder of its status secret gets here, and
   * only while it is 差戻し, not corrected yet, with the prefill the back office sent.
   */
  async correctable(
    receiptNumber: string,
    secret: string,
  ): Promise<ApplicationEntity & { correctionAnswers: Answers }> {
    const app = await this.findForResident(receiptNumber, secret);
    if (!isCorrectable(app)) {
      throw new PortalError(
        PortalErrorCode.CorrectionNotOpen,
        `${receiptNumber} is ${app.status}, corrected by ${app.correctedBy ?? 'none'}`,
      );
    }
    return app;
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

  private async insertApplication(
    tx: EntityManager,
    a: NewApplication,
  ): Promise<{ receiptNumber: string; secret: string }> {
    const { secret, hash } = newStatusSecret();
    const now = new Date();
    for (let attempt = 0; ; attempt++) {
      const receiptNumber = newReceiptNumber(now);
      if (attempt < 3 && (await tx.existsBy(ApplicationEntity, { receiptNumber }))) {
        continue;
      }
      await tx.insert(ApplicationEntity, {
        id: randomUUID(),
        receiptNumber,
        secretHash: hash,
        municipalityCode: a.form.municipalityCode,
        formId: a.form.id,
        formVersion: a.form.version,
        formSha256: a.form.sha256,
        formTitle: a.form.title,
        answers: a.answers,
        attachments: a.attachments,
        identity: a.identity as never,
        status: 'submitted',
        statusMessage: null,
        statusVersion: 0,
        submittedAt: now,
        pickedUpAt: null,
        statusChangedAt: null,
        corrects: a.draft.corrects,
        correctedBy: null,
        correctionAnswers: null,
      });
      if (a.draft.corrects) {
        // one correction per returned application: the first one sent wins, in this transaction
        const marked = await tx.update(
          ApplicationEntity,
          {
            receiptNumber: a.draft.corrects,
            status: 'returned',
            correctedBy: IsNull(),
            municipalityCode: a.form.municipalityCode,
            formId: a.form.id,
          },
          { correctedBy: receiptNumber, correctionAnswers: null },
        );
        if ((marked.affected ?? 0) !== 1) {
          throw new PortalError(
            PortalErrorCode.CorrectionNotOpen,
            `${a.draft.corrects} cannot take a correction any more`,
          );
        }
      }
      await tx.delete(DraftEntity, { id: a.draft.id });
      return { receiptNumber, secret };
    }
  }
}

export function isCorrectable(
  app: ApplicationEntity,
): app is ApplicationEntity & { correctionAnswers: Answers } {
  return app.status === 'returned' && app.correctedBy === null && app.correctionAnswers !== null;
}

function attachmentsOf(
  form: FormDefinition,
  draft: DraftEntity,
  answers: Answers,
): DraftAttachmentRef[] {
  const fileFields = new Set(
    form.sections.flatMap((s) => s.fields.filter((f) => f.type === 'file').map((f) => f.id)),
  );
  return Object.entries(draft.attachments)
    .filter(([fieldId]) => fileFields.has(fieldId) && answers[fieldId] !== undefined)
    .flatMap(([fieldId, refs]) => refs.map((r) => ({ ...r, fieldId })));
}
