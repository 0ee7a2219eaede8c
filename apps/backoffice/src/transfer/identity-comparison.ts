import type {
  AddressValue,
  Answers,
  AutofillKey,
  FormDefinition,
  JapaneseNameValue,
} from '@madoguchi/forms';
import type {
  BasicFourView,
  IdentityDifference,
} from '../database/entities/application-identity.entity';

const ITEMS: readonly AutofillKey[] = ['name', 'address', 'birthdate', 'sex'];

const SEX_CODES: Record<string, string> = {
  male: '1',
  m: '1',
  男: '1',
  男性: '1',
  female: '2',
  f: '2',
  女: '2',
  女性: '2',
};

/**
 * The basic four as the resident entered them, read from the fields the form marks `autofill:` (issue 4 §7), in the
 * certificate's shape: name 姓+U+3000+名, birthdate YYYYMMDD, sex 1/2 (JPKI.md §4.2). Items the form lacks are absent.
 */
export function enteredBasicFour(
  form: FormDefinition | undefined,
  answers: Answers,
): BasicFourView {
  const entered: BasicFourView = {};
  for (const field of form?.sections.flatMap((s) => s.fields) ?? []) {
    const value = answers[field.id];
    if (!field.autofill || value === undefined || value === null) {
      continue;
    }
    switch (field.autofill) {
      case 'name': {
        const name = value as Partial<JapaneseNameValue>;
        if (typeof name === 'object' && typeof name.family === 'string') {
          entered.name = [name.family, name.given ?? ''].filter(Boolean).join('\u3000');
        }
        break;
      }
      case 'address': {
        const text = typeof value === 'string' ? value : (value as Partial<AddressValue>).text;
        if (typeof text === 'string') {
          entered.address = text;
        }
        break;
      }
      case 'birthdate':
        if (typeof value === 'string') {
          entered.birthdate = value.replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$1$2$3');
        }
        break;
      case 'sex':
        if (typeof value === 'string') {
          entered.sex = SEX_CODES[value.toLowerCase()] ?? value;
        }
        break;
    }
  }
  return entered;
}

/** Width (NFKC) and spacing (any run of spaces, U+3000 included) do not make a difference; anything else does. */
function comparable(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** Each item where the certified value and the entered one, or the card-face one, differ (issue 4 §7). */
export function identityDifferences(
  certified: BasicFourView | null,
  entered: BasicFourView,
  cardface: BasicFourView | null,
): IdentityDifference[] {
  if (!certified) {
    return [];
  }
  const differences: IdentityDifference[] = [];
  const compare = (against: IdentityDifference['against'], other: BasicFourView | null) => {
    for (const item of ITEMS) {
      const c = certified[item];
      const o = other?.[item];
      if (c !== undefined && o !== undefined && comparable(c) !== comparable(o)) {
        differences.push({ item, against, certified: c, other: o });
      }
    }
  };
  compare('entered', entered);
  compare('cardface', cardface);
  return differences;
}
