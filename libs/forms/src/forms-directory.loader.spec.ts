import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadFormsDirectory } from './forms-directory.loader';
import { MINIMAL_YAML } from './testing/form.factory';
import { formsTree, MUNICIPALITY_YAML } from './testing/forms-tree.factory';

const DEMO_ROOT = join(__dirname, '../../../forms');

describe('loadFormsDirectory', () => {
  const roots: string[] = [];
  const tree = (files: Record<string, string | Uint8Array>): string => {
    const root = formsTree(files);
    roots.push(root);
    return root;
  };
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  describe('the demo forms', () => {
    const sut = loadFormsDirectory(DEMO_ROOT);

    it('load with no issues', () => {
      expect(sut.issues).toEqual([]);
    });

    it('are the five forms of まどぐち市（デモ）', () => {
      expect(sut.municipalities).toEqual([{ code: '990019', name: { ja: 'まどぐち市（デモ）', en: 'Madoguchi City (demo)' } }]);
      expect(sut.forms.map((f) => [f.id, f.identity, f.department.ja])).toEqual([
        ['jidou-teate', 'cardface+sign', 'こども家庭課'],
        ['juminhyo', 'sign', '市民課'],
        ['sodai-gomi', 'none', '環境政策課'],
        ['tenshutsu', 'cardface+sign', '市民課'],
        ['zei-shomei', 'sign', '税務課'],
      ]);
      expect(sut.forms.every((f) => f.municipalityCode === '990019' && /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
      expect(sut.forms.map((f) => f.source)).toContain('990019/juminhyo.yaml');
    });

    it('have English for every label, title and help text', () => {
      const texts = sut.forms.flatMap((f) => [
        f.title,
        f.department,
        ...f.sections.flatMap((s) => [
          s.title,
          ...s.fields.flatMap((x) => [x.label, ...(x.help ? [x.help] : []), ...(x.options ?? []).map((o) => o.label)]),
        ]),
      ]);
      expect(texts.filter((t) => t.en === undefined)).toEqual([]);
    });

    it('let the card fill all four details on 転出届 and show the spouse step only when there is one', () => {
      const tenshutsu = sut.forms.find((f) => f.id === 'tenshutsu');
      expect(tenshutsu?.autofill).toEqual(['name', 'address', 'birthdate', 'sex']);
      const jidou = sut.forms.find((f) => f.id === 'jidou-teate');
      expect(jidou?.sections.find((s) => s.id === 'spouseDetails')?.when).toEqual({ field: 'spouse', equals: 'yes' });
      expect(jidou?.sections.length).toBeGreaterThanOrEqual(4);
      expect(jidou?.sections.flatMap((s) => s.fields).filter((f) => f.type === 'file').length).toBeGreaterThan(0);
    });
  });

  it('loads valid forms and leaves out an invalid one, saying why', () => {
    const root = tree({
      '990019/municipality.yaml': MUNICIPALITY_YAML,
      '990019/test-form.yaml': MINIMAL_YAML,
      '990019/broken.yaml': MINIMAL_YAML.replace('test-form', 'broken').replace('type: text', 'type: txt'),
      '990019/README.txt': 'not a form',
    });
    const sut = loadFormsDirectory(root);
    expect(sut.forms.map((f) => f.id)).toEqual(['test-form']);
    expect(sut.issues).toEqual([
      {
        file: join(root, '990019/broken.yaml'),
        line: 14,
        message: expect.stringContaining('unknown field type "txt" (did you mean "text"?)') as string,
      },
    ]);
  });

  it('refuses a folder that is not a municipality code', () => {
    const root = tree({ '990018/test-form.yaml': MINIMAL_YAML, 'templates/x.yaml': MINIMAL_YAML });
    const sut = loadFormsDirectory(root);
    expect(sut.forms).toEqual([]);
    expect(sut.issues.map((i) => [i.file, i.line])).toEqual([
      [join(root, '990018'), 0],
      [join(root, 'templates'), 0],
    ]);
    expect(sut.issues[0].message).toMatch(/folder name "990018" is not a valid 全国地方公共団体コード/);
  });

  it('serves nothing of a municipality without a valid municipality.yaml', () => {
    const missing = loadFormsDirectory(tree({ '990019/test-form.yaml': MINIMAL_YAML }));
    expect(missing.forms).toEqual([]);
    expect(missing.issues[0].message).toMatch(/^missing/);
    const unquoted = loadFormsDirectory(
      tree({ '990019/municipality.yaml': 'code: 990019\nname: まどぐち市\n', '990019/test-form.yaml': MINIMAL_YAML }),
    );
    expect(unquoted.forms).toEqual([]);
    expect(unquoted.issues).toEqual([
      {
        file: expect.stringContaining('municipality.yaml') as string,
        line: 1,
        message: `"code" must be the 6-digit code as a quoted string (code: '990019')`,
      },
    ]);
  });

  it('refuses a .yml file and a file that is not UTF-8', () => {
    const sut = loadFormsDirectory(
      tree({
        '990019/municipality.yaml': MUNICIPALITY_YAML,
        '990019/test-form.yml': MINIMAL_YAML,
        '990019/sjis.yaml': Uint8Array.from([0x82, 0xa0, 0x0a]),
      }),
    );
    expect(sut.issues.map((i) => i.message)).toEqual([
      'not valid UTF-8: save the file as UTF-8',
      'form definitions end in .yaml, not .yml: rename the file',
    ]);
  });

  it('says when the root cannot be read', () => {
    const sut = loadFormsDirectory('/nonexistent/forms');
    expect(sut.issues).toEqual([
      { file: '/nonexistent/forms', line: 0, message: expect.stringMatching(/^cannot read the forms folder/) as string },
    ]);
  });
});
