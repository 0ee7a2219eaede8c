import type { LocalizedText } from './form-definition';

/**
 * What residents read next to a field: a sentence saying what to fix, in Japanese first, with English.
 * Kept in one place so wording can be reviewed (and so the portal never invents its own).
 */
type Label = LocalizedText;

const en = (label: Label): string => label.en ?? label.ja;

export const messages = {
  required: (l: Label): LocalizedText => ({ ja: `${l.ja}を入力してください`, en: `Enter ${en(l)}.` }),
  choose: (l: Label): LocalizedText => ({ ja: `${l.ja}を選択してください`, en: `Select ${en(l)}.` }),
  attach: (l: Label): LocalizedText => ({
    ja: `${l.ja}を添付してください`,
    en: `Attach ${en(l)}.`,
  }),
  malformed: (l: Label): LocalizedText => ({
    ja: `${l.ja}をもう一度入力してください`,
    en: `Enter ${en(l)} again.`,
  }),
  controlCharacters: (l: Label): LocalizedText => ({
    ja: `${l.ja}に使えない文字が含まれています。文字を入力し直してください`,
    en: `${en(l)} contains characters that cannot be used. Type it again.`,
  }),
  tooShort: (l: Label, n: number): LocalizedText => ({
    ja: `${l.ja}は${n}文字以上で入力してください`,
    en: `${en(l)} must be at least ${n} characters long.`,
  }),
  tooLong: (l: Label, n: number): LocalizedText => ({
    ja: `${l.ja}は${n}文字以内で入力してください`,
    en: `${en(l)} must be at most ${n} characters long.`,
  }),
  pattern: (l: Label, m: LocalizedText | undefined): LocalizedText =>
    m ?? { ja: `${l.ja}の形式を確認して入力してください`, en: `Check the format of ${en(l)}.` },
  number: (l: Label): LocalizedText => ({
    ja: `${l.ja}は数字で入力してください（例：3）`,
    en: `Enter ${en(l)} as a number (e.g. 3).`,
  }),
  numberRange: (l: Label, min: number, max: number): LocalizedText => ({
    ja: `${l.ja}は${min}から${max}までの数を入力してください`,
    en: `${en(l)} must be between ${min} and ${max}.`,
  }),
  numberMin: (l: Label, min: number): LocalizedText => ({
    ja: `${l.ja}は${min}以上の数を入力してください`,
    en: `${en(l)} must be ${min} or more.`,
  }),
  numberMax: (l: Label, max: number): LocalizedText => ({
    ja: `${l.ja}は${max}以下の数を入力してください`,
    en: `${en(l)} must be ${max} or less.`,
  }),
  date: (l: Label): LocalizedText => ({
    ja: `${l.ja}は実在する日付を西暦で入力してください（例：2025-05-01）`,
    en: `Enter ${en(l)} as a real date (e.g. 2025-05-01).`,
  }),
  dateMin: (l: Label, jaDate: string, iso: string): LocalizedText => ({
    ja: `${l.ja}は${jaDate}以降の日付を選んでください`,
    en: `${en(l)} must be on or after ${iso}.`,
  }),
  dateMax: (l: Label, jaDate: string, iso: string): LocalizedText => ({
    ja: `${l.ja}は${jaDate}以前の日付を選んでください`,
    en: `${en(l)} must be on or before ${iso}.`,
  }),
  email: (l: Label): LocalizedText => ({
    ja: `${l.ja}は「@」を含む正しい形式で入力してください（例：taro@example.jp）`,
    en: `Enter ${en(l)} as an email address (e.g. taro@example.jp).`,
  }),
  tel: (l: Label): LocalizedText => ({
    ja: `${l.ja}は市外局番から10桁または11桁の数字で入力してください（例：03-1234-5678）`,
    en: `Enter ${en(l)} with the area code, 10 or 11 digits (e.g. 03-1234-5678).`,
  }),
  postalCode: (l: Label): LocalizedText => ({
    ja: `${l.ja}は7桁の数字で入力してください（例：1000001）`,
    en: `Enter ${en(l)} as 7 digits (e.g. 1000001).`,
  }),
  addressPostalCode: (l: Label): LocalizedText => ({
    ja: `${l.ja}の郵便番号は7桁の数字で入力してください（例：1000001）`,
    en: `Enter the postal code of ${en(l)} as 7 digits (e.g. 1000001).`,
  }),
  nameParts: (l: Label): LocalizedText => ({
    ja: `${l.ja}の姓と名を入力してください`,
    en: `Enter both the family name and the given name for ${en(l)}.`,
  }),
  kanaParts: (l: Label): LocalizedText => ({
    ja: `${l.ja}のフリガナ（セイ・メイ）を入力してください`,
    en: `Enter the reading (katakana) of both names for ${en(l)}.`,
  }),
  kana: (l: Label): LocalizedText => ({
    ja: `${l.ja}のフリガナはカタカナで入力してください`,
    en: `Enter the reading of ${en(l)} in katakana.`,
  }),
  notOffered: (l: Label): LocalizedText => ({
    ja: `${l.ja}は表示されている選択肢から選んでください`,
    en: `Choose ${en(l)} from the options shown.`,
  }),
  chooseAtLeast: (l: Label, n: number): LocalizedText => ({
    ja: `${l.ja}は${n}つ以上選んでください`,
    en: `Select at least ${n} for ${en(l)}.`,
  }),
  chooseAtMost: (l: Label, n: number): LocalizedText => ({
    ja: `${l.ja}は${n}つ以内で選んでください`,
    en: `Select at most ${n} for ${en(l)}.`,
  }),
  tooManyFiles: (l: Label, n: number): LocalizedText => ({
    ja: `${l.ja}は${n}件以内で添付してください`,
    en: `Attach at most ${n} files for ${en(l)}.`,
  }),
  fileType: (l: Label, types: string[]): LocalizedText => ({
    ja: `${l.ja}は${types.join('、')}のいずれかの形式のファイルを添付してください`,
    en: `Attach ${en(l)} as one of: ${types.join(', ')}.`,
  }),
  fileTooLarge: (l: Label, size: string): LocalizedText => ({
    ja: `${l.ja}のファイルは${size}以下にしてください`,
    en: `The file for ${en(l)} must be ${size} or smaller.`,
  }),
  fileEmpty: (l: Label): LocalizedText => ({
    ja: `${l.ja}のファイルが空です。中身のあるファイルを添付してください`,
    en: `The file for ${en(l)} is empty. Attach a file with content.`,
  }),
  fileDisguised: (l: Label, extension: string, types: string[]): LocalizedText => ({
    ja: `${l.ja}のファイルは、名前（${extension}）と中身の形式が一致しません。${types.join('、')}のいずれかの形式のファイルをそのまま添付してください`,
    en: `The file for ${en(l)} is not what its name (${extension}) says. Attach an unaltered file of one of: ${types.join(', ')}.`,
  }),
} satisfies Record<string, (l: Label, ...args: never[]) => LocalizedText>;
