import { messages } from './answer.messages';
import { DEFAULT_ACCEPT, DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES, describeTypes, formatBytes } from './attachment.validator';
import type {
  AddressValue,
  AnswerValue,
  Answers,
  AttachmentRef,
  FieldDefinition,
  FormDefinition,
  JapaneseNameValue,
  LocalizedText,
} from './form-definition';
import { FormsError, FormsErrorCode } from './forms.error';
import { addDays, formatJapaneseDate, parseIsoDate, todayInJapan } from './japanese-date.formatter';
import {
  characterCount,
  hasControlCharacters,
  isKatakana,
  normalizeHyphens,
  toHalfWidth,
  toKatakana,
} from './text.normalizer';
import { isConditionMet } from './visibility';

export type RawAnswers = Record<string, string | string[] | undefined>;

export interface ValidateAnswersOptions {
  /** validate this step only (conditions still see every earlier answer in `raw`) */
  sectionId?: string;
  /** for 'today' in date limits; defaults to the current time (dates are Japan's) */
  now?: Date;
}

export interface AnswersValidation {
  answers: Answers;
  /** by field id; empty when everything is valid */
  errors: Record<string, LocalizedText>;
}

/** Limits applied when a definition sets none, so no text field takes unbounded input. */
export const DEFAULT_MAX_LENGTH = { text: 200, textarea: 2000, email: 254, namePart: 50, address: 200 };

type FieldResult = { value?: AnswerValue; error?: LocalizedText };

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** One value for a key: undefined when absent or blank, null when the body carried several (tampered). */
function single(raw: RawAnswers, key: string): string | undefined | null {
  if (!Object.hasOwn(raw, key)) {
    return undefined;
  }
  const value = raw[key];
  const one = Array.isArray(value) ? (value.length <= 1 ? value[0] : null) : value;
  if (one === null) {
    return null;
  }
  if (typeof one !== 'string' || one.trim() === '') {
    return undefined;
  }
  return one;
}

function many(raw: RawAnswers, key: string): string[] {
  if (!Object.hasOwn(raw, key)) {
    return [];
  }
  const value = raw[key];
  const list = Array.isArray(value) ? value : [value];
  return [...new Set(list.filter((v): v is string => typeof v === 'string' && v.trim() !== ''))];
}

export function resolveDateLimit(limit: string | number | undefined, today: string): string | undefined {
  if (typeof limit !== 'string') {
    return undefined;
  }
  const relative = /^today(?:([+-])(\d+))?$/.exec(limit);
  if (relative) {
    const days = relative[2] === undefined ? 0 : Number(relative[2]) * (relative[1] === '-' ? -1 : 1);
    return addDays(today, days);
  }
  return limit;
}

function checkText(field: FieldDefinition, value: string, defaultMax: number): LocalizedText | undefined {
  const isTextarea = field.type === 'textarea';
  if (hasControlCharacters(value, isTextarea)) {
    return messages.controlCharacters(field.label);
  }
  const length = characterCount(value);
  const maxLength = field.maxLength ?? defaultMax;
  if (field.minLength !== undefined && length < field.minLength) {
    return messages.tooShort(field.label, field.minLength);
  }
  if (length > maxLength) {
    return messages.tooLong(field.label, maxLength);
  }
  if (field.pattern !== undefined && !new RegExp(`^(?:${field.pattern})$`, 'u').test(value)) {
    return messages.pattern(field.label, field.patternMessage);
  }
  return undefined;
}

function readText(field: FieldDefinition, raw: RawAnswers): FieldResult {
  const input = single(raw, field.id);
  if (input === null) {
    return { error: messages.malformed(field.label) };
  }
  if (input === undefined) {
    return field.required ? { error: messages.required(field.label) } : {};
  }
  const value =
    field.type === 'textarea' ? input.replace(/\r\n?/g, '\n').replace(/^\s*\n|\s+$/g, '') : input.trim();
  const max = field.type === 'textarea' ? DEFAULT_MAX_LENGTH.textarea : DEFAULT_MAX_LENGTH.text;
  const error = checkText(field, value, max);
  return error ? { error } : { value };
}

function readNumber(field: FieldDefinition, raw: RawAnswers): FieldResult {
  const input = single(raw, field.id);
  if (input === null) {
    return { error: messages.malformed(field.label) };
  }
  if (input === undefined) {
    return field.required ? { error: messages.required(field.label) } : {};
  }
  const text = normalizeHyphens(toHalfWidth(input)).replace(/,/g, '');
  if (!/^-?\d{1,15}(\.\d{1,6})?$/.test(text)) {
    return { error: messages.number(field.label) };
  }
  const value = Number(text);
  const min = typeof field.min === 'number' ? field.min : undefined;
  const max = typeof field.max === 'number' ? field.max : undefined;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    if (min !== undefined && max !== undefined) {
      return { error: messages.numberRange(field.label, min, max) };
    }
    return {
      error: min !== undefined ? messages.numberMin(field.label, min) : messages.numberMax(field.label, max ?? 0),
    };
  }
  return { value };
}

function readDate(field: FieldDefinition, raw: RawAnswers, today: string): FieldResult {
  const input = single(raw, field.id);
  if (input === null) {
    return { error: messages.malformed(field.label) };
  }
  if (input === undefined) {
    return field.required ? { error: messages.required(field.label) } : {};
  }
  const match = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(toHalfWidth(input));
  const iso = match ? `${match[1]}-${match[2].padStart(2, '0')}-${match[3].padStart(2, '0')}` : '';
  if (!parseIsoDate(iso)) {
    return { error: messages.date(field.label) };
  }
  const min = resolveDateLimit(field.min, today);
  const max = resolveDateLimit(field.max, today);
  if (min !== undefined && iso < min) {
    return { error: messages.dateMin(field.label, formatJapaneseDate(min), min) };
  }
  if (max !== undefined && iso > max) {
    return { error: messages.dateMax(field.label, formatJapaneseDate(max), max) };
  }
  return { value: iso };
}

function readEmail(field: FieldDefinition, raw: RawAnswers): FieldResult {
  const input = single(raw, field.id);
  if (input === null) {
    return { error: messages.malformed(field.label) };
  }
  if (input === undefined) {
    return field.required ? { error: messages.required(field.label) } : {};
  }
  const value = toHalfWidth(input);
  if (characterCount(value) > (field.maxLength ?? DEFAULT_MAX_LENGTH.email) || !EMAIL.test(value)) {
    return { error: messages.email(field.label) };
  }
  const error = checkText(field, value, DEFAULT_MAX_LENGTH.email);
  return error ? { error } : { value };
}

function readTel(field: FieldDefinition, raw: RawAnswers): FieldResult {
  const input = single(raw, field.id);
  if (input === null) {
    return { error: messages.malformed(field.label) };
  }
  if (input === undefined) {
    return field.required ? { error: messages.required(field.label) } : {};
  }
  const value = normalizeHyphens(toHalfWidth(input))
    .replace(/[()\s]+/g, (m, offset: number) => (offset === 0 ? '' : '-'))
    .replace(/-+/g, '-')
    .replace(/-$/, '');
  const digits = value.replace(/-/g, '');
  if (!/^0[\d-]+$/.test(value) || !/^\d{10,11}$/.test(digits)) {
    return { error: messages.tel(field.label) };
  }
  const error = checkText(field, value, 20);
  return error ? { error } : { value };
}

function normalizePostalCode(input: string): string | undefined {
  const value = normalizeHyphens(toHalfWidth(input)).replace(/^〒\s*/, '').replace(/[-\s]/g, '');
  return /^\d{7}$/.test(value) ? value : undefined;
}

function readPostalCode(field: FieldDefinition, raw: RawAnswers): FieldResult {
  const input = single(raw, field.id);
  if (input === null) {
    return { error: messages.malformed(field.label) };
  }
  if (input === undefined) {
    return field.required ? { error: messages.required(field.label) } : {};
  }
  const value = normalizePostalCode(input);
  return value === undefined ? { error: messages.postalCode(field.label) } : { value };
}

function readChoice(field: FieldDefinition, raw: RawAnswers): FieldResult {
  const input = single(raw, field.id);
  if (input === null) {
    return { error: messages.notOffered(field.label) };
  }
  if (input === undefined) {
    return field.required ? { error: messages.choose(field.label) } : {};
  }
  // The value must be one the form offered: never accept a value sent by a tampered page.
  return (field.options ?? []).some((o) => o.value === input)
    ? { value: input }
    : { error: messages.notOffered(field.label) };
}

function readCheckboxes(field: FieldDefinition, raw: RawAnswers): FieldResult {
  const chosen = many(raw, field.id);
  const offered = (field.options ?? []).map((o) => o.value);
  if (chosen.some((v) => !offered.includes(v))) {
    return { error: messages.notOffered(field.label) };
  }
  if (chosen.length === 0) {
    return field.required ? { error: messages.chooseAtLeast(field.label, Math.max(1, field.minSelected ?? 1)) } : {};
  }
  if (field.minSelected !== undefined && chosen.length < field.minSelected) {
    return { error: messages.chooseAtLeast(field.label, field.minSelected) };
  }
  if (field.maxSelected !== undefined && chosen.length > field.maxSelected) {
    return { error: messages.chooseAtMost(field.label, field.maxSelected) };
  }
  // In the order the form lists them, whatever order the browser sent.
  return { value: offered.filter((v) => chosen.includes(v)) };
}

function readName(field: FieldDefinition, raw: RawAnswers): FieldResult {
  const part = (name: string): string | undefined | null => single(raw, `${field.id}.${name}`);
  const parts = [part('family'), part('given'), part('familyKana'), part('givenKana')];
  if (parts.some((p) => p === null)) {
    return { error: messages.malformed(field.label) };
  }
  const [family, given, familyKanaRaw, givenKanaRaw] = parts.map((p) => p?.trim());
  const kana = field.kana === true;
  if (family === undefined && given === undefined && (!kana || (familyKanaRaw === undefined && givenKanaRaw === undefined))) {
    return field.required ? { error: messages.required(field.label) } : {};
  }
  if (family === undefined || given === undefined) {
    return { error: messages.nameParts(field.label) };
  }
  for (const p of [family, given]) {
    if (hasControlCharacters(p, false)) {
      return { error: messages.controlCharacters(field.label) };
    }
    if (characterCount(p) > DEFAULT_MAX_LENGTH.namePart) {
      return { error: messages.tooLong(field.label, DEFAULT_MAX_LENGTH.namePart) };
    }
  }
  const value: JapaneseNameValue = { family, given };
  if (kana) {
    if (familyKanaRaw === undefined || givenKanaRaw === undefined) {
      return { error: messages.kanaParts(field.label) };
    }
    const familyKana = toKatakana(familyKanaRaw);
    const givenKana = toKatakana(givenKanaRaw);
    if (!isKatakana(familyKana) || !isKatakana(givenKana)) {
      return { error: messages.kana(field.label) };
    }
    if (characterCount(familyKana) > DEFAULT_MAX_LENGTH.namePart || characterCount(givenKana) > DEFAULT_MAX_LENGTH.namePart) {
      return { error: messages.tooLong(field.label, DEFAULT_MAX_LENGTH.namePart) };
    }
    value.familyKana = familyKana;
    value.givenKana = givenKana;
  }
  return { value };
}

function readAddress(field: FieldDefinition, raw: RawAnswers): FieldResult {
  const postalInput = single(raw, `${field.id}.postalCode`);
  const textInput = single(raw, `${field.id}.text`);
  if (postalInput === null || textInput === null) {
    return { error: messages.malformed(field.label) };
  }
  if (textInput === undefined) {
    return field.required || postalInput !== undefined ? { error: messages.required(field.label) } : {};
  }
  const value: AddressValue = { text: textInput.trim() };
  if (postalInput !== undefined) {
    const postalCode = normalizePostalCode(postalInput);
    if (postalCode === undefined) {
      return { error: messages.addressPostalCode(field.label) };
    }
    value.postalCode = postalCode;
  }
  if (hasControlCharacters(value.text, false)) {
    return { error: messages.controlCharacters(field.label) };
  }
  if (characterCount(value.text) > (field.maxLength ?? DEFAULT_MAX_LENGTH.address)) {
    return { error: messages.tooLong(field.label, field.maxLength ?? DEFAULT_MAX_LENGTH.address) };
  }
  return { value };
}

function readFiles(field: FieldDefinition, attachments: Record<string, AttachmentRef[]>): FieldResult {
  const files = Object.hasOwn(attachments, field.id) ? attachments[field.id] : [];
  if (files.length === 0) {
    return field.required ? { error: messages.attach(field.label) } : {};
  }
  const maxFiles = field.maxFiles ?? DEFAULT_MAX_FILES;
  if (files.length > maxFiles) {
    return { error: messages.tooManyFiles(field.label, maxFiles) };
  }
  const accept = field.accept ?? DEFAULT_ACCEPT;
  const maxBytes = field.maxBytes ?? DEFAULT_MAX_BYTES;
  for (const file of files) {
    if (!accept.includes(file.type)) {
      return { error: messages.fileType(field.label, describeTypes(accept)) };
    }
    if (file.size > maxBytes) {
      return { error: messages.fileTooLarge(field.label, formatBytes(maxBytes)) };
    }
    if (file.size === 0) {
      return { error: messages.fileEmpty(field.label) };
    }
  }
  // Only the reference: storage details a caller keeps beside it (a blob key) never reach the answers.
  return {
    value: files.map(({ id, name, type, size, sha256 }) => ({ id, name, type, size, sha256 })),
  };
}

function readField(
  field: FieldDefinition,
  raw: RawAnswers,
  attachments: Record<string, AttachmentRef[]>,
  today: string,
): FieldResult {
  switch (field.type) {
    case 'text':
    case 'textarea':
      return readText(field, raw);
    case 'number':
      return readNumber(field, raw);
    case 'date':
      return readDate(field, raw, today);
    case 'select':
    case 'radio':
      return readChoice(field, raw);
    case 'checkboxes':
      return readCheckboxes(field, raw);
    case 'email':
      return readEmail(field, raw);
    case 'tel':
      return readTel(field, raw);
    case 'postal-code':
      return readPostalCode(field, raw);
    case 'japanese-name':
      return readName(field, raw);
    case 'address':
      return readAddress(field, raw);
    case 'file':
      return readFiles(field, attachments);
  }
}

/**
 * Validates and normalises a flat form body against a definition. Hidden fields (their `when`, or their section's,
 * does not hold) are neither validated nor kept. Errors say what to fix, in Japanese and English.
 */
export function validateAnswers(
  form: FormDefinition,
  raw: RawAnswers,
  attachments: Record<string, AttachmentRef[]>,
  options: ValidateAnswersOptions = {},
): AnswersValidation {
  const { sectionId } = options;
  if (sectionId !== undefined && !form.sections.some((s) => s.id === sectionId)) {
    throw new FormsError(FormsErrorCode.UnknownSection, `form ${form.id} has no section ${sectionId}`);
  }
  const today = todayInJapan(options.now ?? new Date());
  const known: Answers = {};
  const answers: Answers = {};
  const errors: Record<string, LocalizedText> = {};
  for (const section of form.sections) {
    if (!isConditionMet(section.when, known)) {
      continue;
    }
    const inScope = sectionId === undefined || sectionId === section.id;
    for (const field of section.fields) {
      if (!isConditionMet(field.when, known)) {
        continue;
      }
      const result = readField(field, raw, attachments, today);
      if (result.error !== undefined) {
        if (inScope) {
          errors[field.id] = result.error;
        }
      } else if (result.value !== undefined) {
        known[field.id] = result.value;
        if (inScope) {
          answers[field.id] = result.value;
        }
      }
    }
  }
  return { answers, errors };
}
