import type { FormDefinition } from '@madoguchi/forms';
import type { CardfaceDetails } from '../database/entities/draft.entity';

const SEX_ALIASES: Record<string, string[]> = {
  '1': ['1', 'male', 'm', '男', '男性'],
  '2': ['2', 'female', 'f', '女', '女性'],
  '9': ['9', 'other', 'not-applicable', '適用不能'],
};

/**
 * The raw form values that card-face reading fills: only the fields marked `autofill:` and only the details the form
 * lets the card fill (issue 2 §4). Name "姓 名" splits at the full-width space (JPKI.md §3.1).
 */
export function cardfaceValues(
  form: FormDefinition,
  details: CardfaceDetails,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of form.sections.flatMap((s) => s.fields)) {
    if (!field.autofill || !form.autofill.includes(field.autofill)) {
      continue;
    }
    switch (field.autofill) {
      case 'name': {
        const [family, ...given] = details.name.trim().split(/[\u3000 ]+/);
        values[`${field.id}.family`] = family ?? '';
        values[`${field.id}.given`] = given.join('\u3000');
        break;
      }
      case 'address':
        values[`${field.id}.text`] = details.address;
        break;
      case 'birthdate':
        values[field.id] = details.birthdate.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
        break;
      case 'sex': {
        const aliases = SEX_ALIASES[details.sex] ?? [details.sex];
        const option = (field.options ?? []).find(
          (o) =>
            aliases.includes(o.value.toLowerCase()) ||
            aliases.includes(o.label.ja) ||
            aliases.includes((o.label.en ?? '').toLowerCase()),
        );
        if (option) {
          values[field.id] = option.value;
        }
        break;
      }
    }
  }
  return values;
}
