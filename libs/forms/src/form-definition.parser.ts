import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { SNIFFABLE_TYPES } from './attachment.validator';
import { didYouMean } from './did-you-mean';
import {
  AUTOFILL_KEYS,
  type AutofillKey,
  type Condition,
  type FieldDefinition,
  type FieldType,
  type FormDefinition,
  type Identity,
  type LocalizedText,
  type SectionDefinition,
} from './form-definition';
import schema from './form-definition.schema.json';
import type { FormIssue } from './form-issue';
import { parseIsoDate } from './japanese-date.formatter';
import { isMunicipalityCode } from './municipality-code';
import { YamlLocator, type Path } from './yaml-locator';

/** The YAML shape (docs/forms.md): FormDefinition minus derived fields, labels as a string or { ja, en }. */
type YamlText = string | LocalizedText;
interface YamlOption {
  value: string;
  label: YamlText;
}
type YamlField = Omit<FieldDefinition, 'label' | 'help' | 'patternMessage' | 'options' | 'required'> & {
  label: YamlText;
  help?: YamlText;
  patternMessage?: YamlText;
  options?: YamlOption[];
  required?: boolean;
};
interface YamlSection {
  id: string;
  title: YamlText;
  description?: YamlText;
  when?: Condition;
  fields: YamlField[];
}
interface YamlForm {
  id: string;
  version: number;
  title: YamlText;
  description?: YamlText;
  department: YamlText;
  identity: Identity;
  autofill?: AutofillKey[];
  retentionYears: number;
  classification?: YamlText;
  sections: YamlSection[];
}

export interface ParseFormOptions {
  /** FormDefinition.source: the file relative to the forms root (default: `file`) */
  source?: string;
}

export interface ParsedForm {
  form?: FormDefinition;
  issues: FormIssue[];
}

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true, verbose: true });
const validateSchema = ajv.compile(schema);

/** Which types each type-specific key applies to (docs/forms.md, "Keys by field type"). */
const KEY_TYPES: Record<string, readonly FieldType[]> = {
  pattern: ['text', 'textarea', 'email', 'tel'],
  patternMessage: ['text', 'textarea', 'email', 'tel'],
  minLength: ['text', 'textarea'],
  maxLength: ['text', 'textarea', 'email', 'address'],
  min: ['number', 'date'],
  max: ['number', 'date'],
  options: ['select', 'radio', 'checkboxes'],
  minSelected: ['checkboxes'],
  maxSelected: ['checkboxes'],
  kana: ['japanese-name'],
  accept: ['file'],
  maxBytes: ['file'],
  maxFiles: ['file'],
};

/** JPKI.md §3: the card face gives name, address, date of birth and sex; each fills one kind of field. */
const AUTOFILL_TYPES: Record<AutofillKey, readonly FieldType[]> = {
  name: ['japanese-name'],
  address: ['address'],
  birthdate: ['date'],
  sex: ['radio', 'select'],
};
/** The portal maps the card's 男/女 to these option values. */
export const SEX_OPTION_VALUES = ['male', 'female'] as const;

const PATTERN_HINTS: Record<string, string> = {
  [schema.properties.id.pattern]: 'must use lower-case letters, digits and "-" only (it is the file name)',
  [schema.definitions.id.pattern]:
    'must start with a letter and use only letters, digits, "-" and "_" (at most 64 characters)',
  [schema.definitions.option.properties.value.pattern]: 'must be 1-64 characters without spaces',
  [schema.definitions.field.properties.min.pattern]:
    'must be a number (number fields) or a date YYYY-MM-DD, "today", "today+N" or "today-N" (date fields)',
};

function toPath(instancePath: string): Path {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(data: unknown, path: Path): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') {
      return undefined;
    }
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function idOf(item: unknown, index: number): string {
  const id = item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? `"${id}"` : `#${index + 1}`;
}

/** 'field "spouse-name"' and the rest of the path as a key ('label.en', 'options[2].value'). */
function describe(data: unknown, path: Path): { where: string; key: string } {
  let where = 'form';
  let rest = path;
  if (rest[0] === 'sections' && typeof rest[1] === 'number') {
    where = `section ${idOf(valueAt(data, rest.slice(0, 2)), rest[1])}`;
    const sectionPath = rest.slice(0, 2);
    rest = rest.slice(2);
    if (rest[0] === 'fields' && typeof rest[1] === 'number') {
      where = `field ${idOf(valueAt(data, [...sectionPath, ...rest.slice(0, 2)]), rest[1])}`;
      rest = rest.slice(2);
    }
  }
  const key = rest.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  return { where, key };
}

function typeText(expected: unknown): string {
  const names: Record<string, string> = {
    string: 'text (a string)',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    object: 'a mapping (key: value lines)',
    array: 'a list ("- item" lines)',
  };
  const list = Array.isArray(expected) ? expected : [expected];
  return list.map((t) => names[String(t)] ?? String(t)).join(' or ');
}

/** Keeps, for each anyOf, the errors of the one branch whose type matches the data, else the anyOf error alone. */
function pruneAnyOf(errors: ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const anyOf of errors.filter((e) => e.keyword === 'anyOf')) {
    const subs = errors.filter(
      (e) =>
        e !== anyOf &&
        e.schemaPath.startsWith(`${anyOf.schemaPath}/`) &&
        (e.instancePath === anyOf.instancePath || e.instancePath.startsWith(`${anyOf.instancePath}/`)),
    );
    const branchOf = (e: ErrorObject): string => e.schemaPath.slice(anyOf.schemaPath.length + 1).split('/')[0];
    const branches = [...new Set(subs.map(branchOf))];
    const typeMatching = branches.filter(
      (b) => !subs.some((e) => branchOf(e) === b && e.keyword === 'type' && e.instancePath === anyOf.instancePath),
    );
    for (const e of subs) {
      if (typeMatching.length !== 1 || branchOf(e) !== typeMatching[0]) {
        dropped.add(e);
      }
    }
    if (typeMatching.length === 1) {
      dropped.add(anyOf);
    }
  }
  return errors.filter((e) => !dropped.has(e));
}

function schemaMessage(error: ErrorObject, data: unknown): { path: Path; message: string } {
  const path = toPath(error.instancePath);
  const { where, key } = describe(data, path);
  const value = valueAt(data, path);
  const quoted = `"${key}"`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const parentSchema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(parentSchema?.properties ?? {});
      const inKey = key === '' ? '' : ` in ${quoted}`;
      return {
        path: [...path, name],
        message: `${where}: unknown key "${name}"${inKey}${didYouMean(name, allowed)}`,
      };
    }
    case 'required': {
      const name = String(params.missingProperty);
      return { path, message: `${where}: "${key === '' ? name : `${key}.${name}`}" is missing` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      if (key === 'type' && where.startsWith('field')) {
        return {
          path,
          message: `${where}: unknown field type "${String(value)}"${didYouMean(String(value), allowed)}; the types are ${allowed.join(', ')}`,
        };
      }
      return {
        path,
        message: `${where}: ${quoted} must be one of ${allowed.join(', ')}, not "${String(value)}"${didYouMean(String(value), allowed)}`,
      };
    }
    case 'type': {
      const hint =
        params.type === 'string' && (typeof value === 'number' || typeof value === 'boolean')
          ? ` (quote it: '${String(value)}')`
          : params.type === 'boolean' && typeof value === 'string'
            ? ' (YAML 1.2: write true or false)'
            : '';
      return { path, message: `${where}: ${quoted} must be ${typeText(params.type)}${hint}` };
    }
    case 'anyOf':
      return {
        path,
        message: `${where}: ${quoted} must be text: a string (Japanese) or a mapping { ja: ..., en: ... }`,
      };
    case 'pattern':
      return {
        path,
        message: `${where}: ${quoted} ${PATTERN_HINTS[String(params.pattern)] ?? `must match ${String(params.pattern)}`}, not "${String(value)}"`,
      };
    case 'minProperties':
      return { path, message: `${where}: ${quoted} needs one of "equals", "in" or "notEmpty"` };
    case 'const':
      return { path, message: `${where}: ${quoted} must be true` };
    case 'minLength':
      return { path, message: `${where}: ${quoted} must not be empty` };
    case 'minItems':
      return {
        path,
        message: `${where}: ${quoted} needs at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`,
      };
    case 'uniqueItems':
      return { path, message: `${where}: ${quoted} lists the same value twice` };
    default:
      return { path, message: `${where}: ${quoted} ${error.message ?? 'is invalid'}` };
  }
}

function localize(text: YamlText): LocalizedText;
function localize(text: YamlText | undefined): LocalizedText | undefined;
function localize(text: YamlText | undefined): LocalizedText | undefined {
  if (text === undefined) {
    return undefined;
  }
  return typeof text === 'string' ? { ja: text } : text.en === undefined ? { ja: text.ja } : { ja: text.ja, en: text.en };
}

function dateLimitOffset(limit: string): number | undefined {
  const m = /^today(?:([+-])(\d+))?$/.exec(limit);
  return m ? (m[2] === undefined ? 0 : Number(m[2]) * (m[1] === '-' ? -1 : 1)) : undefined;
}

/** Checks the schema cannot express. `report(path, message)` adds an issue at the path's line. */
function checkSemantics(form: YamlForm, file: string, code: string, report: (path: Path, message: string) => void): void {
  const fileId = basename(file).replace(/\.ya?ml$/, '');
  if (fileId !== form.id) {
    report(['id'], `form: "id" is "${form.id}" but the file is named "${basename(file)}"; they must match`);
  }
  if (!isMunicipalityCode(code)) {
    report([], `folder "${code}" is not a valid 全国地方公共団体コード (6 digits whose last is the check digit)`);
  }

  const seen = new Map<string, string>();
  const allFieldIds = new Set(form.sections.flatMap((s) => s.fields.map((f) => f.id)));
  const earlier = new Map<string, YamlField>();
  const usedAutofill = new Set<AutofillKey>();
  const cardface = form.identity === 'cardface' || form.identity === 'cardface+sign';

  const checkCondition = (cond: Condition, at: Path, where: string, targets: Map<string, YamlField>): void => {
    const kinds = (['equals', 'in', 'notEmpty'] as const).filter((k) => k in cond);
    if (kinds.length !== 1) {
      report([...at, 'when'], `${where}: "when" needs exactly one of "equals", "in" or "notEmpty"`);
      return;
    }
    const target = targets.get(cond.field);
    if (!target) {
      const reason = allFieldIds.has(cond.field)
        ? 'which comes later; a "when" can only refer to an earlier field'
        : `which is not a field of this form${didYouMean(cond.field, [...targets.keys()])}`;
      report([...at, 'when', 'field'], `${where}: "when" refers to "${cond.field}", ${reason}`);
      return;
    }
    if (['file', 'japanese-name', 'address'].includes(target.type) && !('notEmpty' in cond)) {
      report([...at, 'when'], `${where}: a ${target.type} field can only be tested with "notEmpty: true"`);
      return;
    }
    if (target.options) {
      const offered = target.options.map((o) => o.value);
      const values = 'equals' in cond ? [cond.equals] : 'in' in cond ? cond.in : [];
      for (const v of values) {
        if (!offered.includes(String(v))) {
          report(
            [...at, 'when'],
            `${where}: "when" tests "${cond.field}" for "${String(v)}", which is not one of its option values${didYouMean(String(v), offered)}`,
          );
        }
      }
    }
  };

  form.sections.forEach((section, s) => {
    const sectionPath: Path = ['sections', s];
    const sectionWhere = `section "${section.id}"`;
    if (seen.has(section.id)) {
      report([...sectionPath, 'id'], `${sectionWhere}: id "${section.id}" is already used by ${seen.get(section.id)}`);
    }
    seen.set(section.id, sectionWhere);
    if (section.when) {
      checkCondition(section.when, sectionPath, sectionWhere, new Map(earlier));
    }
    section.fields.forEach((field, f) => {
      const at: Path = [...sectionPath, 'fields', f];
      const where = `field "${field.id}"`;
      if (seen.has(field.id)) {
        report([...at, 'id'], `${where}: id "${field.id}" is already used by ${seen.get(field.id)}`);
      }
      seen.set(field.id, where);
      if (field.when) {
        checkCondition(field.when, at, where, new Map(earlier));
      }
      for (const [key, types] of Object.entries(KEY_TYPES)) {
        if (key in field && !types.includes(field.type)) {
          report([...at, key], `${where}: "${key}" does not apply to a ${field.type} field (only to ${types.join(', ')})`);
        }
      }
      if (['select', 'radio', 'checkboxes'].includes(field.type) && !field.options) {
        report(at, `${where}: a ${field.type} field needs "options"`);
      }
      if (field.options) {
        const values = new Set<string>();
        field.options.forEach((o, i) => {
          if (values.has(o.value)) {
            report([...at, 'options', i, 'value'], `${where}: option value "${o.value}" appears twice`);
          }
          values.add(o.value);
        });
      }
      if (field.pattern !== undefined) {
        try {
          new RegExp(field.pattern, 'u');
        } catch (e) {
          report([...at, 'pattern'], `${where}: "pattern" is not a valid regular expression: ${(e as Error).message}`);
        }
        if (field.patternMessage === undefined) {
          report([...at, 'pattern'], `${where}: "pattern" needs a "patternMessage" telling the resident what to fix`);
        }
      } else if (field.patternMessage !== undefined) {
        report([...at, 'patternMessage'], `${where}: "patternMessage" without "pattern"`);
      }
      if (field.minLength !== undefined && field.maxLength !== undefined && field.minLength > field.maxLength) {
        report([...at, 'minLength'], `${where}: "minLength" (${field.minLength}) is greater than "maxLength" (${field.maxLength})`);
      }
      if (field.type === 'number') {
        for (const key of ['min', 'max'] as const) {
          if (field[key] !== undefined && typeof field[key] !== 'number') {
            report([...at, key], `${where}: "${key}" of a number field must be a number`);
          }
        }
        if (typeof field.min === 'number' && typeof field.max === 'number' && field.min > field.max) {
          report([...at, 'min'], `${where}: "min" (${field.min}) is greater than "max" (${field.max})`);
        }
      }
      if (field.type === 'date') {
        for (const key of ['min', 'max'] as const) {
          const limit = field[key];
          if (limit === undefined) {
            continue;
          }
          if (typeof limit !== 'string' || (dateLimitOffset(limit) === undefined && !parseIsoDate(limit))) {
            report([...at, key], `${where}: "${key}" of a date field must be a real date YYYY-MM-DD, "today", "today+N" or "today-N"`);
          }
        }
        if (typeof field.min === 'string' && typeof field.max === 'string') {
          const [a, b] = [dateLimitOffset(field.min), dateLimitOffset(field.max)];
          const bothRelative = a !== undefined && b !== undefined;
          const bothAbsolute = a === undefined && b === undefined;
          if ((bothRelative && a > b) || (bothAbsolute && field.min > field.max)) {
            report([...at, 'min'], `${where}: "min" (${field.min}) is after "max" (${field.max})`);
          }
        }
      }
      if (field.minSelected !== undefined && field.maxSelected !== undefined && field.minSelected > field.maxSelected) {
        report([...at, 'minSelected'], `${where}: "minSelected" (${field.minSelected}) is greater than "maxSelected" (${field.maxSelected})`);
      }
      const optionCount = field.options?.length ?? 0;
      for (const key of ['minSelected', 'maxSelected'] as const) {
        const n = field[key];
        if (n !== undefined && field.options && n > optionCount) {
          report([...at, key], `${where}: "${key}" (${n}) is more than the ${optionCount} options`);
        }
      }
      if (field.accept) {
        for (const type of field.accept) {
          if (!SNIFFABLE_TYPES.includes(type)) {
            report([...at, 'accept'], `${where}: "${type}" cannot be recognised from the content, so it cannot be accepted`);
          }
        }
      }
      if (field.autofill !== undefined) {
        usedAutofill.add(field.autofill);
        if (!cardface) {
          report([...at, 'autofill'], `${where}: "autofill" needs identity cardface or cardface+sign (this form has ${form.identity})`);
        }
        const types = AUTOFILL_TYPES[field.autofill];
        if (!types.includes(field.type)) {
          report([...at, 'autofill'], `${where}: autofill "${field.autofill}" fills a ${types.join(' or ')} field, not a ${field.type} field`);
        }
        if (form.autofill && !form.autofill.includes(field.autofill)) {
          report([...at, 'autofill'], `${where}: autofill "${field.autofill}" is not in the form's "autofill" list`);
        }
        if (field.autofill === 'sex' && field.options) {
          const values = field.options.map((o) => o.value);
          const missing = SEX_OPTION_VALUES.filter((v) => !values.includes(v));
          if (missing.length > 0) {
            report([...at, 'options'], `${where}: autofill "sex" needs options with the values ${SEX_OPTION_VALUES.join(' and ')} (missing ${missing.join(', ')})`);
          }
        }
      }
      earlier.set(field.id, field);
    });
  });

  if (form.autofill && form.autofill.length > 0) {
    if (!cardface) {
      report(['autofill'], `form: "autofill" needs identity cardface or cardface+sign (this form has ${form.identity})`);
    }
    for (const key of form.autofill) {
      if (!usedAutofill.has(key)) {
        report(['autofill'], `form: "autofill" lists "${key}" but no field has "autofill: ${key}"`);
      }
    }
  }
}

function build(form: YamlForm, code: string, source: string, sha256: string): FormDefinition {
  const sections: SectionDefinition[] = form.sections.map((s) => ({
    id: s.id,
    title: localize(s.title),
    ...(s.description !== undefined && { description: localize(s.description) }),
    ...(s.when !== undefined && { when: s.when }),
    fields: s.fields.map((f) => {
      const { label, help, patternMessage, options, required, ...rest } = f;
      const field: FieldDefinition = { ...rest, label: localize(label), required: required ?? false };
      if (help !== undefined) {
        field.help = localize(help);
      }
      if (patternMessage !== undefined) {
        field.patternMessage = localize(patternMessage);
      }
      if (options !== undefined) {
        field.options = options.map((o) => ({ value: o.value, label: localize(o.label) }));
      }
      return field;
    }),
  }));
  const autofill =
    form.autofill ??
    AUTOFILL_KEYS.filter((k) => sections.some((s) => s.fields.some((f) => f.autofill === k)));
  return {
    municipalityCode: code,
    id: form.id,
    version: form.version,
    title: localize(form.title),
    ...(form.description !== undefined && { description: localize(form.description) }),
    department: localize(form.department),
    identity: form.identity,
    autofill,
    retentionYears: form.retentionYears,
    ...(form.classification !== undefined && { classification: localize(form.classification) }),
    sections,
    sha256,
    source,
  };
}

/**
 * Parses and checks one definition (docs/forms.md). Every problem becomes an issue with the line it is on; the form
 * is returned only when there is none.
 */
export function parseFormDefinition(
  source: string,
  file: string,
  municipalityCode: string,
  options: ParseFormOptions = {},
): ParsedForm {
  const counter = new LineCounter();
  const doc = parseDocument(source, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const issue = (line: number, message: string): FormIssue => ({ file, line, message });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) =>
        issue(counter.linePos(e.pos[0]).line, `YAML syntax: ${e.message.split('\n')[0]}`),
      ),
    };
  }
  const locator = new YamlLocator(doc, counter);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { issues: [issue(1, `YAML: ${(e as Error).message}`)] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { issues: [issue(1, 'a form definition must be a mapping of keys (id:, title:, sections:, ...)')] };
  }
  if (!validateSchema(data)) {
    const seen = new Set<string>();
    const issues: FormIssue[] = [];
    for (const error of pruneAnyOf(validateSchema.errors ?? [])) {
      const { path, message } = schemaMessage(error, data);
      const found = issue(locator.line(path), message);
      const key = `${found.line}:${found.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        issues.push(found);
      }
    }
    return { issues: issues.sort((a, b) => a.line - b.line) };
  }
  const form = data as unknown as YamlForm;
  const issues: FormIssue[] = [];
  checkSemantics(form, file, municipalityCode, (path, message) => issues.push(issue(locator.line(path), message)));
  if (issues.length > 0) {
    return { issues: issues.sort((a, b) => a.line - b.line) };
  }
  const sha256 = createHash('sha256').update(source, 'utf8').digest('hex');
  return { form: build(form, municipalityCode, options.source ?? file, sha256), issues };
}
