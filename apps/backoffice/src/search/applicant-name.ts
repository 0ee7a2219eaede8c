import type { AnswerValue, Answers, FormDefinition, JapaneseNameValue } from '@madoguchi/forms';

/**
 * The key a name is searched by: NFKC (full-width letters and digits, half-width katakana become their usual
 * width), every space removed (U+3000 included), hiragana turned into katakana, so 「やまだ はなこ」, 「ﾔﾏﾀﾞ ﾊﾅｺ」 and
 * 「ヤマダハナコ」 are one key.
 */
export function foldName(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\s+/gu, '')
    .replace(/[\u3041-\u3096\u309d\u309e]/gu, (c) =>
      String.fromCodePoint(c.codePointAt(0)! + 0x60),
    );
}

export interface ApplicantName {
  /** as written, 姓 + space + 名, for the list page */
  display: string;
  /** foldName(姓 + 名) */
  searchName: string;
  /** foldName(セイ + メイ); '' when the form asks no kana */
  searchKana: string;
}

/** '' (not NULL) marks "looked, no name": the boot backfill only visits NULL rows. */
export const NO_APPLICANT: ApplicantName = { display: '', searchName: '', searchKana: '' };

function isName(v: AnswerValue | undefined): v is JapaneseNameValue {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as Partial<JapaneseNameValue>).family === 'string'
  );
}

const LIMIT = 200;

/**
 * The applicant's name in an application: the form's japanese-name field the card face fills (`autofill: name`),
 * else its first japanese-name field; without the form definition, the first answer shaped like a name.
 */
export function applicantNameOf(form: FormDefinition | undefined, answers: Answers): ApplicantName {
  const fields = form?.sections.flatMap((s) => s.fields).filter((f) => f.type === 'japanese-name');
  const field = fields?.find((f) => f.autofill === 'name') ?? fields?.[0];
  const value = field ? answers[field.id] : Object.values(answers).find(isName);
  if (!isName(value)) {
    return NO_APPLICANT;
  }
  const given = typeof value.given === 'string' ? value.given : '';
  const kana = [value.familyKana, value.givenKana].filter((k) => typeof k === 'string').join('');
  return {
    display: [value.family, given].filter(Boolean).join(' ').slice(0, LIMIT),
    searchName: foldName(value.family + given).slice(0, LIMIT),
    searchKana: foldName(kana).slice(0, LIMIT),
  };
}
