import {
  formatJapaneseDate,
  resolveDateLimit,
  todayInJapan,
  type FieldDefinition,
  type FormDefinition,
  type LocalizedText,
  type SectionDefinition,
} from '@madoguchi/forms';
import type { DraftEntity } from '../database/entities/draft.entity';
import type { FieldErrors } from '../drafts/drafts.service';

const IDENTITY_NOTES: Record<FormDefinition['identity'], LocalizedText | undefined> = {
  none: undefined,
  cardface: {
    ja: 'この申請では、マイナンバーカードから氏名・住所・生年月日・性別を読み取って入力できます（券面事項入力補助用の暗証番号4桁が必要です）。',
    en: 'This form can fill in your name, address, date of birth and sex from your My Number Card (4-digit PIN needed).',
  },
  sign: {
    ja: 'この申請は、マイナンバーカードで電子署名をして提出します。署名用電子証明書のパスワード（6〜16桁の英数字）と、カードを読み取れるスマートフォンなどが必要です。',
    en: 'You submit this application by signing it with your My Number Card. You need your signing password (6–16 letters and digits) and a phone or reader that can read the card.',
  },
  'cardface+sign': {
    ja: 'この申請では、マイナンバーカードで氏名・住所などを入力でき、電子署名をして提出します。券面事項入力補助用の暗証番号（数字4桁）と署名用電子証明書のパスワード（6〜16桁の英数字）が必要です。',
    en: 'This form can fill in your details from your My Number Card, and you submit it by signing with the card. You need the 4-digit PIN and the signing password (6–16 letters and digits).',
  },
};

export function identityNote(form: FormDefinition): LocalizedText | undefined {
  return IDENTITY_NOTES[form.identity];
}

export function formPath(form: FormDefinition): string {
  return `/m/${form.municipalityCode}/forms/${encodeURIComponent(form.id)}`;
}

export interface FieldView {
  id: string;
  type: string;
  label: LocalizedText;
  help?: LocalizedText;
  required: boolean;
  error?: LocalizedText;
  value: string;
  /** japanese-name / address parts */
  parts: Record<string, string>;
  options: Array<{ value: string; label: LocalizedText; checked: boolean }>;
  kana: boolean;
  accept: string;
  maxMegabytes?: string;
  uploaded: Array<{ id: string; name: string; size: string }>;
  inputType: string;
  inputMode?: string;
  autocomplete?: string;
  eraHint?: string;
  min?: string;
  max?: string;
  describedBy: string;
  isCardFilled: boolean;
}

const INPUT_TYPES: Partial<
  Record<FieldDefinition['type'], { type: string; mode?: string; ac?: string }>
> = {
  text: { type: 'text' },
  number: { type: 'text', mode: 'numeric' },
  date: { type: 'date' },
  email: { type: 'email', mode: 'email', ac: 'email' },
  tel: { type: 'tel', mode: 'tel', ac: 'tel' },
  'postal-code': { type: 'text', mode: 'numeric', ac: 'postal-code' },
};

function str(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function list(v: string | string[] | undefined): string[] {
  return Array.isArray(v) ? v : v ? [v] : [];
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.ceil(bytes / 1024)} KB`;
}

export function toFieldView(
  field: FieldDefinition,
  draft: DraftEntity,
  errors: FieldErrors,
): FieldView {
  const raw = draft.rawValues;
  const value = str(raw[field.id]);
  const chosen = new Set(list(raw[field.id]));
  const input = INPUT_TYPES[field.type];
  const parts: Record<string, string> = {};
  for (const p of ['family', 'given', 'familyKana', 'givenKana', 'postalCode', 'text']) {
    parts[p] = str(raw[`${field.id}.${p}`]);
  }
  return {
    id: field.id,
    type: field.type,
    label: field.label,
    help: field.help,
    required: field.required,
    error: errors[field.id],
    value,
    parts,
    options: (field.options ?? []).map((o) => ({ ...o, checked: chosen.has(o.value) })),
    kana: field.kana ?? false,
    accept: (field.accept ?? []).join(','),
    maxMegabytes: field.maxBytes ? (field.maxBytes / 1024 / 1024).toFixed(0) : undefined,
    uploaded: (draft.attachments[field.id] ?? []).map((a) => ({
      id: a.id,
      name: a.name,
      size: sizeText(a.size),
    })),
    inputType: input?.type ?? 'text',
    inputMode: input?.mode,
    autocomplete: input?.ac,
    eraHint:
      field.type === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(value)
        ? formatJapaneseDate(value)
        : undefined,
    min: field.type === 'date' ? resolveDateLimit(field.min, todayInJapan(new Date())) : undefined,
    max: field.type === 'date' ? resolveDateLimit(field.max, todayInJapan(new Date())) : undefined,
    describedBy: [field.help ? `${field.id}-help` : '', errors[field.id] ? `${field.id}-error` : '']
      .filter(Boolean)
      .join(' '),
    isCardFilled: field.autofill !== undefined,
  };
}

export interface StepView {
  form: FormDefinition;
  formPath: string;
  section: SectionDefinition;
  fields: FieldView[];
  stepNumber: number;
  stepCount: number;
  steps: Array<{ title: LocalizedText; number: number; isCurrent: boolean; isDone: boolean }>;
  hasFiles: boolean;
  isLast: boolean;
  previousHref?: string;
  errorSummary: Array<{ id: string; label: LocalizedText; message: LocalizedText }>;
  identityNote?: LocalizedText;
  offersCardface: boolean;
  cardfaceFilled: boolean;
  title: LocalizedText;
}

export function toStepView(
  form: FormDefinition,
  steps: SectionDefinition[],
  index: number,
  draft: DraftEntity,
  errors: FieldErrors,
  cardfaceJustRead = false,
): StepView {
  const section = steps[index];
  const fields = section.fields.map((f) => toFieldView(f, draft, errors));
  const path = formPath(form);
  return {
    form,
    formPath: path,
    section,
    fields,
    stepNumber: index + 1,
    stepCount: steps.length,
    steps: steps.map((s, i) => ({
      title: s.title,
      number: i + 1,
      isCurrent: i === index,
      isDone: i < draft.maxStep,
    })),
    hasFiles: section.fields.some((f) => f.type === 'file'),
    isLast: index === steps.length - 1,
    previousHref: index > 0 ? `${path}/steps/${index}` : undefined,
    errorSummary: fields
      .filter((f) => f.error)
      .map((f) => ({ id: f.id, label: f.label, message: f.error as LocalizedText })),
    identityNote: index === 0 ? identityNote(form) : undefined,
    offersCardface:
      index === 0 &&
      (form.identity === 'cardface' || form.identity === 'cardface+sign') &&
      section.fields.some((f) => f.autofill),
    cardfaceFilled: cardfaceJustRead && draft.cardface !== null && index === 0,
    title: form.title,
  };
}

/** One answer as the confirmation page shows it. */
export function answerText(
  field: FieldDefinition,
  draft: DraftEntity,
): Array<string | LocalizedText> {
  const raw = draft.rawValues;
  const get = (k: string): string => str(raw[k]);
  switch (field.type) {
    case 'japanese-name': {
      const name = `${get(`${field.id}.family`)}\u3000${get(`${field.id}.given`)}`.trim();
      const kana = `${get(`${field.id}.familyKana`)}\u3000${get(`${field.id}.givenKana`)}`.trim();
      return kana ? [name, `（${kana}）`] : [name];
    }
    case 'address': {
      const pc = get(`${field.id}.postalCode`);
      return [
        pc ? `〒${pc.replace(/^(\d{3})-?(\d{4})$/, '$1-$2')}` : '',
        get(`${field.id}.text`),
      ].filter(Boolean);
    }
    case 'postal-code': {
      const pc = get(field.id);
      return pc ? [`〒${pc.replace(/^(\d{3})-?(\d{4})$/, '$1-$2')}`] : [];
    }
    case 'date': {
      const d = get(field.id);
      return d ? [/^\d{4}-\d{2}-\d{2}$/.test(d) ? `${formatJapaneseDate(d)}（${d}）` : d] : [];
    }
    case 'select':
    case 'radio':
    case 'checkboxes': {
      const chosen = list(raw[field.id]);
      return (field.options ?? []).filter((o) => chosen.includes(o.value)).map((o) => o.label);
    }
    case 'file':
      return (draft.attachments[field.id] ?? []).map((a) => `${a.name}（${sizeText(a.size)}）`);
    case 'text':
    case 'textarea':
    case 'number':
    case 'email':
    case 'tel':
      return get(field.id) ? [get(field.id)] : [];
  }
}
