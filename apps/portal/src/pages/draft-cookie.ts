import type { FastifyRequest } from 'fastify';
import type { FormDefinition } from '@madoguchi/forms';

export const DRAFT_COOKIE_MAX_AGE = 24 * 3600;

/** The signed cookie that ties a browser to its draft of one form. */
export function draftCookie(form: FormDefinition): string {
  return `portal_draft_${form.municipalityCode}_${form.id.replace(/[^a-z0-9-]/gi, '_')}`;
}

export function readDraftId(req: FastifyRequest, form: FormDefinition): string | undefined {
  const raw = req.cookies[draftCookie(form)];
  if (!raw) {
    return undefined;
  }
  const unsigned = req.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}
