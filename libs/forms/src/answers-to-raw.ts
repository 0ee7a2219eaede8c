import type { Answers, FormDefinition } from './form-definition';

/**
 * The flat form body (as a draft keeps it) that `validateAnswers` turns back into these answers: prefills a new
 * draft from an earlier application (a correction after 差戻し). Files are left out: the resident attaches them
 * again. Values of fields the form no longer has are dropped; the new draft is validated as any other.
 */
export function answersToRawValues(
  form: FormDefinition,
  answers: Answers,
): Record<string, string | string[]> {
  const raw: Record<string, string | string[]> = {};
  for (const field of form.sections.flatMap((s) => s.fields)) {
    if (!Object.hasOwn(answers, field.id)) {
      continue;
    }
    const value = answers[field.id];
    switch (field.type) {
      case 'file':
        break;
      case 'checkboxes':
        if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
          raw[field.id] = value;
        }
        break;
      case 'japanese-name':
        if (typeof value === 'object' && value !== null && 'family' in value) {
          for (const part of ['family', 'given', 'familyKana', 'givenKana'] as const) {
            const text = value[part];
            if (typeof text === 'string') {
              raw[`${field.id}.${part}`] = text;
            }
          }
        }
        break;
      case 'address':
        if (typeof value === 'object' && value !== null && 'text' in value) {
          raw[`${field.id}.text`] = String(value.text);
          if (typeof value.postalCode === 'string') {
            raw[`${field.id}.postalCode`] = value.postalCode;
          }
        }
        break;
      case 'text':
      case 'textarea':
      case 'number':
      case 'date':
      case 'select':
      case 'radio':
      case 'email':
      case 'tel':
      case 'postal-code':
        if (typeof value === 'string' || typeof value === 'number') {
          raw[field.id] = String(value);
        }
        break;
    }
  }
  return raw;
}
