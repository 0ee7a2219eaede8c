import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseFormDefinition } from '../form-definition.parser';
import { formatIssue, type FormIssue } from '../form-issue';
import {
  loadFormsDirectory,
  loadMunicipalityDirectory,
  MUNICIPALITY_FILE,
  type LoadedForms,
} from '../forms-directory.loader';

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = 'usage: npm run forms:validate [path]   (path: the forms root, one municipality folder or one .yaml file; default forms/)';

function loadPath(path: string): LoadedForms {
  if (statSync(path).isFile()) {
    if (basename(path) === MUNICIPALITY_FILE) {
      return loadMunicipalityDirectory(dirname(path));
    }
    const issues: FormIssue[] = [];
    const code = basename(dirname(path));
    const parsed = parseFormDefinition(readFileSync(path, 'utf8'), path, code);
    issues.push(...parsed.issues);
    return { municipalities: [], forms: parsed.form ? [parsed.form] : [], issues };
  }
  // A municipality folder holds municipality.yaml; anything else is taken as the root of many.
  return existsSync(join(path, MUNICIPALITY_FILE)) ? loadMunicipalityDirectory(path) : loadFormsDirectory(path);
}

/** `forms:validate [path]`: prints `file:line: message` per problem; returns the exit code (0 clean, 1 problems, 2 usage). */
export function main(args: string[], io: CliOutput = { out: console.log, err: console.error }): number {
  if (args.length > 1 || args.some((a) => a === '-h' || a === '--help')) {
    io.err(USAGE);
    return 2;
  }
  const path = args[0] ?? 'forms';
  if (!existsSync(path)) {
    io.err(`${path}: no such file or folder`);
    io.err(USAGE);
    return 2;
  }
  const { forms, municipalities, issues } = loadPath(path);
  for (const issue of issues) {
    io.out(formatIssue(issue));
  }
  if (issues.length > 0) {
    const files = new Set(issues.map((i) => i.file)).size;
    io.out(`${issues.length} problem${issues.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; a definition with a problem is not served`);
    return 1;
  }
  const where = municipalities.length > 0 ? ` for ${municipalities.length} municipalit${municipalities.length === 1 ? 'y' : 'ies'}` : '';
  io.out(`${forms.length} form definition${forms.length === 1 ? '' : 's'}${where} checked: no problems`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
