import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MINIMAL_YAML } from '../testing/form.factory';
import { formsTree, MUNICIPALITY_YAML } from '../testing/forms-tree.factory';
import { main } from './validate-forms';

const REPO = join(__dirname, '../../../..');

function run(args: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('forms:validate', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
  const broken = (): string => {
    const root = formsTree({
      '990019/municipality.yaml': MUNICIPALITY_YAML,
      '990019/test-form.yaml': MINIMAL_YAML.replace('type: text', 'type: txt').replace('version: 1', 'version: 0'),
    });
    roots.push(root);
    return root;
  };

  it('prints a summary and exits 0 for the demo forms', () => {
    expect(run([join(REPO, 'forms')])).toEqual({
      code: 0,
      out: ['5 form definitions for 1 municipality checked: no problems'],
      err: [],
    });
  });

  it('prints file:line: message for each problem and exits 1', () => {
    const root = broken();
    const file = join(root, '990019/test-form.yaml');
    expect(run([root])).toEqual({
      code: 1,
      out: [
        `${file}:2: form: "version" must be >= 1`,
        `${file}:14: field "name": unknown field type "txt" (did you mean "text"?); the types are text, textarea, number, date, select, radio, checkboxes, email, tel, postal-code, japanese-name, address, file`,
        '2 problems in 1 file; a definition with a problem is not served',
      ],
      err: [],
    });
  });

  it('checks one municipality folder or one file', () => {
    const root = broken();
    expect(run([join(root, '990019')]).code).toBe(1);
    const single = run([join(REPO, 'forms/990019/sodai-gomi.yaml')]);
    expect(single).toEqual({ code: 0, out: ['1 form definition checked: no problems'], err: [] });
  });

  it('exits 2 with usage for a missing path or extra arguments', () => {
    const missing = run(['/nonexistent/forms']);
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toBe('/nonexistent/forms: no such file or folder');
    expect(run(['a', 'b']).code).toBe(2);
  });

  it('runs as a built program with the same output and exit code', () => {
    const out = mkdtempSync(join(tmpdir(), 'madoguchi-forms-cli-'));
    roots.push(out);
    const config = join(REPO, 'libs/forms/tsconfig.cli.json');
    // tsc emits even when a colleague's work in progress elsewhere has type errors; tsc -p tsconfig.json reports those.
    spawnSync(join(REPO, 'node_modules/.bin/tsc'), ['-p', config, '--outDir', out], { cwd: REPO });
    execFileSync(join(REPO, 'node_modules/.bin/tsc-alias'), ['-p', config, '--outDir', out], { cwd: REPO });
    const program = join(out, 'libs/forms/src/cli/validate-forms.js');
    expect(existsSync(program)).toBe(true);
    const root = broken();
    const result = spawnSync('node', [program, root], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: join(REPO, 'node_modules') },
    });
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n')[0]).toBe(`${join(root, '990019/test-form.yaml')}:2: form: "version" must be >= 1`);
  }, 240_000);
});
