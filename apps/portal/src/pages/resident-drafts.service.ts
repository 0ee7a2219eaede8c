import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { FormDefinition } from '@madoguchi/forms';
import type { DraftEntity } from '../database/entities/draft.entity';
import { DraftsService } from '../drafts/drafts.service';
import { FormsRegistry } from '../forms/forms-registry.service';
import { readDraftId } from './draft-cookie';

/** The form a page is about and this browser's draft of it (from the signed draft cookie), for every resident page. */
@Injectable()
export class ResidentDrafts {
  constructor(
    private readonly registry: FormsRegistry,
    private readonly drafts: DraftsService,
  ) {}

  /** Throws FormNotFound for an unknown form, DraftExpired when this browser has no live draft of it. */
  async load(
    code: string,
    formId: string,
    req: FastifyRequest,
  ): Promise<{ form: FormDefinition; draft: DraftEntity }> {
    const form = this.registry.form(code, formId);
    return { form, draft: await this.drafts.get(readDraftId(req, form), form) };
  }
}
