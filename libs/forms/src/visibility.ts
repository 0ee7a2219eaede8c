import type {
  Condition,
  FieldDefinition,
  FormDefinition,
  SectionDefinition,
} from './form-definition';

function valuesOf(value: unknown): string[] {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return [String(value)];
  }
  if (Array.isArray(value)) {
    return value.filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
  }
  return [];
}

function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null) {
    return true;
  }
  if (typeof value === 'string') {
    return value.trim() === '';
  }
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  if (typeof value === 'object') {
    return Object.values(value).every(isEmptyValue);
  }
  return false;
}

/**
 * Whether a `when` holds for the answers. Values compare as strings (a select's '2' equals `equals: 2`); for
 * checkboxes, `equals` means "is ticked" and `in` means "any of these is ticked".
 */
export function isConditionMet(cond: Condition | undefined, answers: Record<string, unknown>): boolean {
  if (cond === undefined) {
    return true;
  }
  const value = Object.hasOwn(answers, cond.field) ? answers[cond.field] : undefined;
  if ('equals' in cond) {
    return valuesOf(value).includes(String(cond.equals));
  }
  if ('in' in cond) {
    const values = valuesOf(value);
    return cond.in.some((v) => values.includes(String(v)));
  }
  return !isEmptyValue(value);
}

/**
 * The answers with every hidden field removed, in document order, so that a field depending on a hidden field is
 * hidden too (a stale value left in a draft never shows a section).
 */
export function effectiveAnswers<T>(
  form: FormDefinition,
  answers: Record<string, T>,
): Record<string, T> {
  const known: Record<string, T> = {};
  for (const section of form.sections) {
    if (!isConditionMet(section.when, known)) {
      continue;
    }
    for (const field of section.fields) {
      if (isConditionMet(field.when, known) && Object.hasOwn(answers, field.id)) {
        known[field.id] = answers[field.id];
      }
    }
  }
  return known;
}

export function visibleSections(
  form: FormDefinition,
  answers: Record<string, unknown>,
): SectionDefinition[] {
  const known = effectiveAnswers(form, answers);
  return form.sections.filter((s) => isConditionMet(s.when, known));
}

/** The section's fields shown for these answers (conditions on earlier sections use the answers as given). */
export function visibleFields(
  section: SectionDefinition,
  answers: Record<string, unknown>,
): FieldDefinition[] {
  const known: Record<string, unknown> = { ...answers };
  for (const field of section.fields) {
    delete known[field.id];
  }
  const shown: FieldDefinition[] = [];
  for (const field of section.fields) {
    if (isConditionMet(field.when, known)) {
      shown.push(field);
      if (Object.hasOwn(answers, field.id)) {
        known[field.id] = answers[field.id];
      }
    }
  }
  return shown;
}
