import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { didYouMean } from './did-you-mean';
import type { FormDefinition, LocalizedText, Municipality } from './form-definition';
import { parseFormDefinition } from './form-definition.parser';
import type { FormIssue } from './form-issue';
import { isMunicipalityCode } from './municipality-code';
import { YamlLocator } from './yaml-locator';

export interface LoadedForms {
  municipalities: Municipality[];
  /** only the valid ones, of municipalities whose municipality.yaml is valid */
  forms: FormDefinition[];
  issues: FormIssue[];
}

export const MUNICIPALITY_FILE = 'municipality.yaml';

function readUtf8(file: string): string | FormIssue {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    return { file, line: 0, message: `cannot read: ${(e as Error).message}` };
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { file, line: 0, message: 'not valid UTF-8: save the file as UTF-8' };
  }
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** forms/<code>/municipality.yaml: `code: '990019'` and `name: { ja, en }`. */
function parseMunicipality(source: string, file: string, folderCode: string): { municipality?: Municipality; issues: FormIssue[] } {
  const counter = new LineCounter();
  const doc = parseDocument(source, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => ({
        file,
        line: counter.linePos(e.pos[0]).line,
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  const locator = new YamlLocator(doc, counter);
  const data: unknown = doc.toJS();
  const issues: FormIssue[] = [];
  const report = (path: string[], message: string): void => {
    issues.push({ file, line: locator.line(path), message });
  };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { issues: [{ file, line: 1, message: 'must be a mapping with "code" and "name"' }] };
  }
  const record = data as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'code' && key !== 'name') {
      report([key], `unknown key "${key}"${didYouMean(key, ['code', 'name'])}`);
    }
  }
  const code = record.code;
  if (typeof code !== 'string') {
    report(['code'], `"code" must be the 6-digit code as a quoted string (code: '${folderCode}')`);
  } else if (code !== folderCode) {
    report(['code'], `"code" is "${code}" but the folder is "${folderCode}"; they must match`);
  } else if (!isMunicipalityCode(code)) {
    report(['code'], `"${code}" is not a valid 全国地方公共団体コード (6 digits whose last is the check digit)`);
  }
  const name = record.name;
  let localized: LocalizedText | undefined;
  if (isText(name)) {
    localized = { ja: name };
  } else if (name !== null && typeof name === 'object' && isText((name as { ja?: unknown }).ja)) {
    const { ja, en } = name as { ja: string; en?: unknown };
    localized = isText(en) ? { ja, en } : { ja };
  } else {
    report(['name'], '"name" must be text: a string (Japanese) or a mapping { ja: ..., en: ... }');
  }
  if (issues.length > 0 || localized === undefined) {
    return { issues };
  }
  return { municipality: { code: folderCode, name: localized }, issues };
}

/** One municipality's folder: its municipality.yaml and every <form-id>.yaml in it. */
export function loadMunicipalityDirectory(dir: string): LoadedForms {
  const code = basename(dir);
  const result: LoadedForms = { municipalities: [], forms: [], issues: [] };
  const names = readdirSync(dir).sort();
  const municipalityFile = join(dir, MUNICIPALITY_FILE);
  let municipality: Municipality | undefined;
  if (!names.includes(MUNICIPALITY_FILE)) {
    result.issues.push({ file: municipalityFile, line: 0, message: `missing: every municipality folder needs one (code, name)` });
  } else {
    const source = readUtf8(municipalityFile);
    if (typeof source === 'string') {
      const parsed = parseMunicipality(source, municipalityFile, code);
      result.issues.push(...parsed.issues);
      municipality = parsed.municipality;
    } else {
      result.issues.push(source);
    }
  }
  for (const name of names) {
    const file = join(dir, name);
    if (name === MUNICIPALITY_FILE || !statSync(file).isFile()) {
      continue;
    }
    if (name.endsWith('.yml')) {
      result.issues.push({ file, line: 0, message: 'form definitions end in .yaml, not .yml: rename the file' });
      continue;
    }
    if (!name.endsWith('.yaml')) {
      continue;
    }
    const source = readUtf8(file);
    if (typeof source !== 'string') {
      result.issues.push(source);
      continue;
    }
    const parsed = parseFormDefinition(source, file, code, { source: `${code}/${name}` });
    result.issues.push(...parsed.issues);
    if (parsed.form && municipality) {
      result.forms.push(parsed.form);
    }
  }
  if (municipality) {
    result.municipalities.push(municipality);
  }
  return result;
}

/**
 * Loads root/<code>/<id>.yaml for every municipality folder. Invalid definitions are left out and said why in
 * `issues` (an invalid definition is never served).
 */
export function loadFormsDirectory(root: string): LoadedForms {
  const result: LoadedForms = { municipalities: [], forms: [], issues: [] };
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch (e) {
    result.issues.push({ file: root, line: 0, message: `cannot read the forms folder: ${(e as Error).message}` });
    return result;
  }
  for (const name of names) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory() || name.startsWith('.')) {
      continue;
    }
    if (!isMunicipalityCode(name)) {
      result.issues.push({
        file: dir,
        line: 0,
        message: `folder name "${name}" is not a valid 全国地方公共団体コード (6 digits whose last is the check digit); its forms are not loaded`,
      });
      continue;
    }
    const loaded = loadMunicipalityDirectory(dir);
    result.municipalities.push(...loaded.municipalities);
    result.forms.push(...loaded.forms);
    result.issues.push(...loaded.issues);
  }
  return result;
}
