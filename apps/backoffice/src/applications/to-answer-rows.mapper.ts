import {
  formatJapaneseDate,
  parseIsoDate,
  visibleFields,
  visibleSections,
  type AddressValue,
  type AnswerValue,
  type Answers,
  type AttachmentRef,
  type FieldDefinition,
  type FormDefinition,
  type JapaneseNameValue,
  type LocalizedText,
} from '@madoguchi/forms';

export interface AnswerFile {
  attachmentId: string;
  name: string;
  size: number;
  type: string;
  sha256: string;
}

/** One line of the detail page: a label and either text or files. */
export interface AnswerRow {
  label: LocalizedText;
  text?: LocalizedText;
  files?: AnswerFile[];
}

export interface AnswerSection {
  title: LocalizedText;
  rows: AnswerRow[];
}

type AttachmentLookup = (portalAttachmentId: string) => string | undefined;

function isName(v: AnswerValue): v is JapaneseNameValue {
  return typeof v === 'object' && !Array.isArray(v) && 'family' in v;
}
function isAddress(v: AnswerValue): v is AddressValue {
  return typeof v === 'object' && !Array.isArray(v) && 'text' in v;
}
function isFileList(v: AnswerValue): v is AttachmentRef[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && 'sha256' in x);
}

function same(text: string): LocalizedText {
  return { ja: text, en: text };
}

function optionLabel(field: FieldDefinition | undefined, value: string): LocalizedText {
  return field?.options?.find((o) => o.value === value)?.label ?? same(value);
}

function join(parts: LocalizedText[]): LocalizedText {
  return {
    ja: parts.map((p) => p.ja).join('、'),
    en: parts.map((p) => p.en ?? p.ja).join(', '),
  };
}

/** Turns one stored answer into display text; unknown shapes are shown as JSON rather than hidden. */
export function describeAnswer(
  field: FieldDefinition | undefined,
  value: AnswerValue,
  attachmentIdOf: AttachmentLookup,
): Omit<AnswerRow, 'label'> {
  if (isFileList(value)) {
    return {
      files: value.map((f) => ({
        attachmentId: attachmentIdOf(f.id) ?? '',
        name: f.name,
        size: f.size,
        type: f.type,
        sha256: f.sha256,
      })),
    };
  }
  if (Array.isArray(value)) {
    return { text: join(value.map((v) => optionLabel(field, String(v)))) };
  }
  if (typeof value === 'number') {
    return { text: same(String(value)) };
  }
  if (typeof value === 'string') {
    if (field?.type === 'select' || field?.type === 'radio') {
      return { text: optionLabel(field, value) };
    }
    if (field?.type === 'date' && parseIsoDate(value)) {
      return { text: { ja: formatJapaneseDate(value), en: value } };
    }
    return { text: same(value) };
  }
  if (isName(value)) {
    const kana = [value.familyKana, value.givenKana].filter(Boolean).join(' ');
    return { text: same(`${value.family} ${value.given}${kana ? `（${kana}）` : ''}`) };
  }
  if (isAddress(value)) {
    return { text: same(`${value.postalCode ? `〒${value.postalCode} ` : ''}${value.text}`) };
  }
  return { text: same(JSON.stringify(value)) };
}

/**
 * Every answer under the form's own labels, section by section, in the form's order. Answers the current
 * definition does not know (another version) are listed at the end under their field ids, never dropped.
 */
export function toAnswerSections(
  form: FormDefinition | undefined,
  answers: Answers,
  attachmentIdOf: AttachmentLookup,
): AnswerSection[] {
  const shown = new Set<string>();
  const sections: AnswerSection[] = [];
  if (form) {
    for (const section of visibleSections(form, answers)) {
      const rows: AnswerRow[] = [];
      for (const field of visibleFields(section, answers)) {
        const value = answers[field.id];
        shown.add(field.id);
        if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
          continue;
        }
        rows.push({ label: field.label, ...describeAnswer(field, value, attachmentIdOf) });
      }
      if (rows.length > 0) {
        sections.push({ title: section.title, rows });
      }
    }
  }
  const rest = Object.keys(answers).filter((id) => !shown.has(id));
  if (rest.length > 0) {
    sections.push({
      title: { ja: 'その他の回答', en: 'Other answers' },
      rows: rest.map((id) => ({
        label: same(id),
        ...describeAnswer(undefined, answers[id], attachmentIdOf),
      })),
    });
  }
  return sections;
}
