/**
 * The form definition model: what a YAML file in forms/<municipality-code>/<form-id>.yaml becomes after
 * loading and validation. Labels are normalised to { ja, en? } (a plain string in YAML means Japanese only).
 */
export interface LocalizedText {
  ja: string;
  en?: string;
}

export type Identity = 'none' | 'cardface' | 'sign' | 'cardface+sign';
export const IDENTITIES: readonly Identity[] = ['none', 'cardface', 'sign', 'cardface+sign'];

/** The basic four details (基本4情報) the card face can fill. */
export type AutofillKey = 'name' | 'address' | 'birthdate' | 'sex';
export const AUTOFILL_KEYS: readonly AutofillKey[] = ['name', 'address', 'birthdate', 'sex'];

export type FieldType =
  | 'text'
  | 'textarea'
  | 'number'
  | 'date'
  | 'select'
  | 'radio'
  | 'checkboxes'
  | 'email'
  | 'tel'
  | 'postal-code'
  | 'japanese-name'
  | 'address'
  | 'file';

export const FIELD_TYPES: readonly FieldType[] = [
  'text',
  'textarea',
  'number',
  'date',
  'select',
  'radio',
  'checkboxes',
  'email',
  'tel',
  'postal-code',
  'japanese-name',
  'address',
  'file',
];

export interface Option {
  value: string;
  label: LocalizedText;
}

/** Conditional visibility: the field/section is shown (and validated) only when the condition holds. */
export type Condition =
  | { field: string; equals: string | number | boolean }
  | { field: string; in: Array<string | number> }
  | { field: string; notEmpty: true };

export interface FieldDefinition {
  id: string;
  type: FieldType;
  label: LocalizedText;
  help?: LocalizedText;
  required: boolean;
  when?: Condition;
  /** text-like: regular expression the whole value must match; with a message saying what to fix. */
  pattern?: string;
  patternMessage?: LocalizedText;
  minLength?: number;
  maxLength?: number;
  /** number: numeric bounds. date: 'YYYY-MM-DD' or 'today'. */
  min?: number | string;
  max?: number | string;
  /** select, radio, checkboxes */
  options?: Option[];
  /** checkboxes: how many may be ticked */
  minSelected?: number;
  maxSelected?: number;
  /** japanese-name: ask for the kana reading too */
  kana?: boolean;
  /** file: accepted MIME types (content is sniffed) and size limit in bytes */
  accept?: string[];
  maxBytes?: number;
  /** file: how many files may be attached (default 5) */
  maxFiles?: number;
  /** which card-face detail fills this field (form identity must include cardface) */
  autofill?: AutofillKey;
}

/** forms/<code>/municipality.yaml */
export interface Municipality {
  /** 全国地方公共団体コード (6 digits with check digit) */
  code: string;
  name: LocalizedText;
}

export interface SectionDefinition {
  id: string;
  title: LocalizedText;
  description?: LocalizedText;
  when?: Condition;
  fields: FieldDefinition[];
}

export interface FormDefinition {
  municipalityCode: string;
  id: string;
  version: number;
  title: LocalizedText;
  description?: LocalizedText;
  department: LocalizedText;
  identity: Identity;
  /** card-face details this form lets the card fill */
  autofill: AutofillKey[];
  retentionYears: number;
  /** 文書分類, used by records and archive connectors */
  classification?: LocalizedText;
  sections: SectionDefinition[];
  /** SHA-256 (hex) of the YAML source bytes; a submission records which definition it answered */
  sha256: string;
  /** the file the definition came from, relative to the forms root */
  source: string;
}

/** Answer values, by field type. */
export interface JapaneseNameValue {
  family: string;
  given: string;
  familyKana?: string;
  givenKana?: string;
}
export interface AddressValue {
  postalCode?: string;
  text: string;
}
export interface AttachmentRef {
  id: string;
  name: string;
  type: string;
  size: number;
  sha256: string;
}
export type AnswerValue =
  | string
  | number
  | string[]
  | JapaneseNameValue
  | AddressValue
  | AttachmentRef[];
export type Answers = Record<string, AnswerValue>;
