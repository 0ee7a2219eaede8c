import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';
import {
  checkAttachment,
  sniffMimeType,
  validateAnswers,
  visibleSections,
  type AnswerValue,
  type FieldDefinition,
  type FormDefinition,
  type LocalizedText,
  type SectionDefinition,
} from '@madoguchi/forms';
import type { BlobStore } from '@madoguchi/common';
import { PORTAL_BLOB_STORE, PORTAL_CONFIG } from '../config/portal-config.provider';
import type { PortalConfig } from '../config/portal.config';
import { DraftEntity, type DraftAttachmentRef } from '../database/entities/draft.entity';
import { PortalError, PortalErrorCode } from '../portal.error';

export interface UploadedFile {
  fieldId: string;
  fileName: string;
  bytes: Buffer;
}

export interface StepInput {
  values: Record<string, string | string[]>;
  files: UploadedFile[];
  /** attachment ids the resident asked to remove */
  remove: string[];
}

export type FieldErrors = Record<string, LocalizedText>;

/** Drafts: the resident's answers, step by step, kept server-side (issue 2 §6). */
@Injectable()
export class DraftsService {
  constructor(
    @InjectRepository(DraftEntity) private readonly drafts: Repository<DraftEntity>,
    @Inject(PORTAL_CONFIG) private readonly config: PortalConfig,
    @Inject(PORTAL_BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  /** A new draft; a correction after 差戻し starts from the returned application's answers (`prefill`). */
  async start(
    form: FormDefinition,
    prefill?: { rawValues: Record<string, string | string[]>; corrects: string },
  ): Promise<DraftEntity> {
    const now = new Date();
    const draft = this.drafts.create({
      id: randomBytes(24).toString('base64url'),
      municipalityCode: form.municipalityCode,
      formId: form.id,
      formVersion: form.version,
      rawValues: prefill?.rawValues ?? {},
      attachments: {},
      corrects: prefill?.corrects ?? null,
      maxStep: 0,
      createdAt: now,
      updatedAt: now,
      expiresAt: this.expiry(now),
    });
    await this.drafts.insert(draft);
    return draft;
  }

  /** The draft for this form, or undefined when it is missing, expired or for another form. */
  async find(id: string | undefined, form: FormDefinition): Promise<DraftEntity | undefined> {
    if (!id || id.length > 64) {
      return undefined;
    }
    const draft = await this.drafts.findOneBy({ id });
    if (
      !draft ||
      draft.expiresAt.getTime() < Date.now() ||
      draft.municipalityCode !== form.municipalityCode ||
      draft.formId !== form.id
    ) {
      return undefined;
    }
    return draft;
  }

  async get(id: string | undefined, form: FormDefinition): Promise<DraftEntity> {
    const draft = await this.find(id, form);
    if (!draft) {
      throw new PortalError(PortalErrorCode.DraftExpired, 'draft missing or expired');
    }
    return draft;
  }

  async byId(id: string): Promise<DraftEntity | null> {
    return this.drafts.findOneBy({ id });
  }

  steps(form: FormDefinition, draft: DraftEntity): SectionDefinition[] {
    return visibleSections(form, draft.rawValues);
  }

  step(form: FormDefinition, draft: DraftEntity, index: number): SectionDefinition {
    const steps = this.steps(form, draft);
    // A resident may not skip ahead of the furthest step already completed.
    if (!Number.isInteger(index) || index < 0 || index >= steps.length || index > draft.maxStep) {
      throw new PortalError(PortalErrorCode.StepNotFound, `no step ${index}`);
    }
    return steps[index];
  }

  /**
   * Saves what was posted for one step (even when invalid, so nothing typed is lost) and validates that step.
   * Returns the errors; with none, the resident may go on.
   */
  async saveStep(
    form: FormDefinition,
    draft: DraftEntity,
    index: number,
    input: StepInput,
  ): Promise<FieldErrors> {
    const section = this.step(form, draft, index);
    const fieldIds = new Set(section.fields.map((f) => f.id));
    const values: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(draft.rawValues)) {
      if (!fieldIds.has(key.split('.')[0])) {
        values[key] = value;
      }
    }
    for (const [key, value] of Object.entries(input.values)) {
      if (fieldIds.has(key.split('.')[0])) {
        values[key] = value;
      }
    }
    const errors: FieldErrors = {};
    const attachments = { ...draft.attachments };
    const removed: DraftAttachmentRef[] = [];
    for (const field of section.fields.filter((f) => f.type === 'file')) {
      const kept = (attachments[field.id] ?? []).filter((a) => {
        const drop = input.remove.includes(a.id);
        if (drop) {
          removed.push(a);
        }
        return !drop;
      });
      for (const file of input.files.filter((f) => f.fieldId === field.id)) {
        const problem = checkAttachment(field, file.fileName, file.bytes);
        if (problem) {
          errors[field.id] = problem;
          continue;
        }
        const { key, sha256 } = await this.blobs.put(file.bytes);
        kept.push({
          id: randomBytes(12).toString('base64url'),
          name: file.fileName.slice(0, 200),
          type: sniffMimeType(file.bytes) ?? 'application/octet-stream',
          size: file.bytes.length,
          sha256,
          blobKey: key,
        });
      }
      attachments[field.id] = kept;
    }
    const result = validateAnswers(form, values, attachments, { sectionId: section.id });
    const allErrors = { ...result.errors, ...errors };
    // Valid answers are kept in their normalised form (全角 digits, hyphens in postal codes…), so the resident sees it.
    for (const field of section.fields) {
      if (!allErrors[field.id] && result.answers[field.id] !== undefined) {
        Object.assign(values, toRawValues(field, result.answers[field.id]));
      }
    }
    const now = new Date();
    draft.rawValues = values;
    draft.attachments = attachments;
    draft.updatedAt = now;
    draft.expiresAt = this.expiry(now);
    if (Object.keys(allErrors).length === 0) {
      draft.maxStep = Math.max(draft.maxStep, index + 1);
    }
    await this.drafts.save(draft);
    await Promise.all(removed.map((a) => this.blobs.delete(a.blobKey)));
    return allErrors;
  }

  async discard(draft: DraftEntity): Promise<void> {
    await this.drafts.delete({ id: draft.id });
  }

  /** Deletes expired drafts and their attachment bytes. */
  async purgeExpired(now = new Date()): Promise<number> {
    const expired = await this.drafts.find({ where: { expiresAt: LessThan(now) }, take: 500 });
    for (const draft of expired) {
      await this.drafts.delete({ id: draft.id });
      const refs = Object.values(draft.attachments).flat();
      await Promise.all(refs.map((a) => this.blobs.delete(a.blobKey)));
    }
    return expired.length;
  }

  private expiry(now: Date): Date {
    return new Date(now.getTime() + this.config.DRAFT_TTL_HOURS * 3600 * 1000);
  }
}

/** The flat form-post shape of a validated answer (the inverse of validateAnswers' parsing). */
export function toRawValues(
  field: FieldDefinition,
  value: AnswerValue,
): Record<string, string | string[]> {
  if (field.type === 'file') {
    return {};
  }
  if (Array.isArray(value)) {
    return { [field.id]: value.filter((v): v is string => typeof v === 'string') };
  }
  if (typeof value === 'object') {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') {
        out[`${field.id}.${k}`] = v;
      }
    }
    return out;
  }
  return { [field.id]: String(value) };
}
