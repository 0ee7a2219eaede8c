import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { FIELD_TYPES } from './form-definition';
import { parseFormDefinition } from './form-definition.parser';
import schema from './form-definition.schema.json';
import { MINIMAL_YAML } from './testing/form.factory';

const FILE = 'forms/990019/test-form.yaml';

const parse = (source: string, file = FILE, code = '990019') => parseFormDefinition(source, file, code);

/** 1-based line of the first line containing `needle` (after `after` if given). */
function lineOf(source: string, needle: string, after = 0): number {
  const lines = source.split('\n');
  const index = lines.findIndex((l, i) => i >= after && l.includes(needle));
  if (index < 0) {
    throw new Error(`"${needle}" not in source`);
  }
  return index + 1;
}

/** The minimal form with more fields appended to its one section. */
const withFields = (yaml: string): string => MINIMAL_YAML + yaml.replace(/^\n/, '');

function expectOnly(source: string, needle: string, message: string | RegExp): void {
  const { form, issues } = parse(source);
  expect(form).toBeUndefined();
  expect(issues).toHaveLength(1);
  expect(issues[0].file).toBe(FILE);
  expect(issues[0].line).toBe(lineOf(source, needle));
  if (typeof message === 'string') {
    expect(issues[0].message).toBe(message);
  } else {
    expect(issues[0].message).toMatch(message);
  }
}

describe('parseFormDefinition', () => {
  it('turns a valid file into a FormDefinition with derived fields', () => {
    const { form, issues } = parseFormDefinition(MINIMAL_YAML, FILE, '990019', { source: '990019/test-form.yaml' });
    expect(issues).toEqual([]);
    expect(form).toEqual({
      municipalityCode: '990019',
      id: 'test-form',
      version: 1,
      title: { ja: 'テスト申請' },
      department: { ja: '市民課', en: 'Citizen Affairs Division' },
      identity: 'none',
      autofill: [],
      retentionYears: 5,
      sections: [
        {
          id: 'main',
          title: { ja: '入力' },
          fields: [{ id: 'name', type: 'text', label: { ja: '氏名' }, required: false }],
        },
      ],
      sha256: createHash('sha256').update(MINIMAL_YAML, 'utf8').digest('hex'),
      source: '990019/test-form.yaml',
    });
  });

  it('keeps the schema field types in step with the model', () => {
    expect(schema.definitions.field.properties.type.enum).toEqual([...FIELD_TYPES]);
  });

  describe('YAML syntax', () => {
    it('reports a broken indentation on its line', () => {
      const source = MINIMAL_YAML.replace('        label: 氏名', '       label: 氏名');
      const { issues } = parse(source);
      expect(issues.length).toBeGreaterThan(0);
      expect(issues[0]).toMatchObject({ file: FILE, line: lineOf(source, 'label: 氏名') });
      expect(issues[0].message).toMatch(/^YAML syntax: /);
    });

    it('reports an unclosed flow sequence with the line it starts on or after', () => {
      const source = MINIMAL_YAML.replace('retentionYears: 5', 'retentionYears: [5');
      const { issues } = parse(source);
      expect(issues[0].message).toMatch(/^YAML syntax: /);
      expect(issues[0].line).toBeGreaterThanOrEqual(lineOf(source, 'retentionYears'));
    });

    it('reports a duplicate key on the second occurrence', () => {
      const source = MINIMAL_YAML.replace('version: 1\n', 'version: 1\nversion: 2\n');
      const { issues } = parse(source);
      expect(issues).toHaveLength(1);
      expect(issues[0].line).toBe(lineOf(source, 'version: 2'));
      expect(issues[0].message).toMatch(/unique/i);
    });

    it('says a list or an empty file is not a form', () => {
      expect(parse('- a\n- b\n').issues).toEqual([
        { file: FILE, line: 1, message: 'a form definition must be a mapping of keys (id:, title:, sections:, ...)' },
      ]);
      expect(parse('').issues[0].line).toBe(1);
    });
  });

  describe('schema', () => {
    it('rejects an unknown field type with its line and a suggestion', () => {
      const source = MINIMAL_YAML.replace('type: text', 'type: txt');
      expectOnly(
        source,
        'type: txt',
        `field "name": unknown field type "txt" (did you mean "text"?); the types are ${FIELD_TYPES.join(', ')}`,
      );
    });

    it('rejects an unknown key with a suggestion', () => {
      const source = MINIMAL_YAML.replace('label: 氏名', 'lable: 氏名');
      const { issues } = parse(source);
      expect(issues).toEqual([
        { file: FILE, line: lineOf(source, '- id: name'), message: 'field "name": "label" is missing' },
        { file: FILE, line: lineOf(source, 'lable'), message: 'field "name": unknown key "lable" (did you mean "label"?)' },
      ]);
    });

    it('rejects an unknown top-level key', () => {
      const source = MINIMAL_YAML.replace('identity: none', 'identity: none\nretention: 5');
      expectOnly(source, 'retention: 5', 'form: unknown key "retention" (did you mean "retentionYears"?)');
    });

    it('names a missing required key at the object', () => {
      const source = MINIMAL_YAML.replace('retentionYears: 5\n', '');
      expectOnly(source, 'id: test-form', 'form: "retentionYears" is missing');
    });

    it('says what text must look like', () => {
      const source = MINIMAL_YAML.replace('label: 氏名', 'label: 123');
      expectOnly(source, 'label: 123', 'field "name": "label" must be text: a string (Japanese) or a mapping { ja: ..., en: ... }');
    });

    it('looks inside a { ja, en } mapping', () => {
      const source = MINIMAL_YAML.replace('label: 氏名', 'label:\n          jp: 氏名');
      const { issues } = parse(source);
      expect(issues.map((i) => i.message)).toEqual([
        'field "name": "label.ja" is missing',
        'field "name": unknown key "jp" in "label" (did you mean "ja"?)',
      ]);
      expect(issues[1].line).toBe(lineOf(source, 'jp: 氏名'));
    });

    it('asks to quote an option value YAML reads as a number', () => {
      const source = withFields(`
      - id: count
        type: select
        label: 人数
        options:
          - value: 1
            label: 1人
`);
      expectOnly(source, 'value: 1', `field "count": "options[0].value" must be text (a string) (quote it: '1')`);
    });

    it('explains YAML 1.2 booleans', () => {
      const source = MINIMAL_YAML.replace('label: 氏名', 'label: 氏名\n        required: yes');
      expectOnly(source, 'required: yes', 'field "name": "required" must be true or false (YAML 1.2: write true or false)');
    });

    it('rejects an identity that does not exist', () => {
      const source = MINIMAL_YAML.replace('identity: none', 'identity: card');
      expectOnly(source, 'identity: card', /^form: "identity" must be one of none, sign, cardface, cardface\+sign|^form: "identity" must be one of/);
    });

    it('rejects an id with characters a URL or a form body cannot carry', () => {
      const source = MINIMAL_YAML.replace('- id: name', '- id: applicant.name');
      expectOnly(source, 'applicant.name', /must start with a letter and use only letters, digits/);
    });
  });

  describe('semantic checks', () => {
    it('requires the file name and the id to match', () => {
      const { issues } = parse(MINIMAL_YAML, 'forms/990019/other.yaml');
      expect(issues).toEqual([
        {
          file: 'forms/990019/other.yaml',
          line: 1,
          message: 'form: "id" is "test-form" but the file is named "other.yaml"; they must match',
        },
      ]);
    });

    it('requires a valid municipality code for the folder', () => {
      const { issues } = parse(MINIMAL_YAML, FILE, '990010');
      expect(issues).toEqual([
        { file: FILE, line: 1, message: 'folder "990010" is not a valid 全国地方公共団体コード (6 digits whose last is the check digit)' },
      ]);
    });

    it('rejects a duplicate id, across sections and fields', () => {
      const source = withFields(`
      - id: main
        type: text
        label: 重複
`);
      const { issues } = parse(source);
      expect(issues).toEqual([
        {
          file: FILE,
          line: lineOf(source, '- id: main', lineOf(source, 'fields:')),
          message: 'field "main": id "main" is already used by section "main"',
        },
      ]);
    });

    it('rejects a when that refers to a missing field', () => {
      const source = withFields(`
      - id: other
        type: text
        label: その他
        when:
          field: nmae
          equals: x
`);
      expectOnly(source, 'field: nmae', 'field "other": "when" refers to "nmae", which is not a field of this form (did you mean "name"?)');
    });

    it('rejects a when that refers to a later field', () => {
      const source = withFields(`
      - id: early
        type: text
        label: 先
        when:
          field: late
          notEmpty: true
      - id: late
        type: text
        label: 後
`);
      const { issues } = parse(source);
      expect(issues).toEqual([
        {
          file: FILE,
          line: lineOf(source, 'field: late'),
          message: 'field "early": "when" refers to "late", which comes later; a "when" can only refer to an earlier field',
        },
      ]);
    });

    it('rejects a when that tests for a value the field does not offer', () => {
      const source = withFields(`
      - id: spouse
        type: radio
        label: 配偶者
        options:
          - value: 'yes'
            label: あり
          - value: 'no'
            label: なし
      - id: spouseName
        type: text
        label: 配偶者の氏名
        when:
          field: spouse
          equals: ari
`);
      expectOnly(source, 'when:', 'field "spouseName": "when" tests "spouse" for "ari", which is not one of its option values');
    });

    it('requires exactly one test in a when', () => {
      const source = withFields(`
      - id: other
        type: text
        label: その他
        when:
          field: name
          equals: a
          notEmpty: true
`);
      expectOnly(source, 'when:', 'field "other": "when" needs exactly one of "equals", "in" or "notEmpty"');
    });

    it('requires options for select, radio and checkboxes', () => {
      const source = withFields(`
      - id: kind
        type: select
        label: 種類
`);
      expectOnly(source, '- id: kind', 'field "kind": a select field needs "options"');
    });

    it('rejects a key that does not apply to the type', () => {
      const source = MINIMAL_YAML.replace('label: 氏名', 'label: 氏名\n        accept: [application/pdf]');
      expectOnly(source, 'accept:', 'field "name": "accept" does not apply to a text field (only to file)');
    });

    it('rejects a pattern that does not compile', () => {
      const source = MINIMAL_YAML.replace(
        'label: 氏名',
        "label: 氏名\n        pattern: '[0-9'\n        patternMessage: 数字で入力してください",
      );
      expectOnly(source, 'pattern:', /^field "name": "pattern" is not a valid regular expression: /);
    });

    it('requires a patternMessage with a pattern', () => {
      const source = MINIMAL_YAML.replace('label: 氏名', "label: 氏名\n        pattern: '[0-9]+'");
      expectOnly(source, 'pattern:', 'field "name": "pattern" needs a "patternMessage" telling the resident what to fix');
    });

    it('rejects min above max', () => {
      const source = withFields(`
      - id: copies
        type: number
        label: 通数
        min: 10
        max: 1
`);
      expectOnly(source, 'min: 10', 'field "copies": "min" (10) is greater than "max" (1)');
    });

    it('rejects a date min after its max, relative or absolute', () => {
      const relative = withFields(`
      - id: day
        type: date
        label: 日付
        min: today+10
        max: today+3
`);
      expectOnly(relative, 'min: today+10', 'field "day": "min" (today+10) is after "max" (today+3)');
      const unreal = relative.replace('min: today+10', 'min: 2025-02-30');
      expectOnly(unreal, 'min: 2025-02-30', /must be a real date YYYY-MM-DD/);
    });

    it('rejects minLength above maxLength and minSelected above the options', () => {
      const length = MINIMAL_YAML.replace('label: 氏名', 'label: 氏名\n        minLength: 5\n        maxLength: 2');
      expectOnly(length, 'minLength', 'field "name": "minLength" (5) is greater than "maxLength" (2)');
      const selected = withFields(`
      - id: items
        type: checkboxes
        label: 品目
        minSelected: 3
        options:
          - value: a
            label: A
          - value: b
            label: B
`);
      expectOnly(selected, 'minSelected', 'field "items": "minSelected" (3) is more than the 2 options');
    });

    describe('autofill', () => {
      const cardForm = (identity: string, fieldYaml: string, formAutofill = ''): string =>
        withFields(fieldYaml).replace('identity: none', `identity: ${identity}${formAutofill}`);

      it('is accepted with cardface on a compatible field, and derived for the form', () => {
        const source = cardForm(
          'cardface+sign',
          `
      - id: applicant
        type: japanese-name
        label: 申請者
        autofill: name
`,
        );
        const { form, issues } = parse(source);
        expect(issues).toEqual([]);
        expect(form?.autofill).toEqual(['name']);
      });

      it('needs identity cardface or cardface+sign', () => {
        const source = cardForm('sign', `
      - id: applicant
        type: japanese-name
        label: 申請者
        autofill: name
`);
        expectOnly(source, 'autofill: name', 'field "applicant": "autofill" needs identity cardface or cardface+sign (this form has sign)');
      });

      it('only fills a compatible field type', () => {
        const source = cardForm('cardface', `
      - id: born
        type: text
        label: 生年月日
        autofill: birthdate
`);
        expectOnly(source, 'autofill: birthdate', 'field "born": autofill "birthdate" fills a date field, not a text field');
      });

      it('needs male and female options for sex', () => {
        const source = cardForm('cardface', `
      - id: sex
        type: radio
        label: 性別
        autofill: sex
        options:
          - value: m
            label: 男
          - value: f
            label: 女
`);
        expectOnly(source, 'options:', 'field "sex": autofill "sex" needs options with the values male and female (missing male, female)');
      });

      it('rejects a form autofill key no field uses', () => {
        const source = cardForm('cardface', '', '\nautofill: [address]');
        expectOnly(source, 'autofill: [address]', 'form: "autofill" lists "address" but no field has "autofill: address"');
      });
    });

    it('reports every problem of a file, sorted by line', () => {
      const source = withFields(`
      - id: kind
        type: select
        label: 種類
      - id: copies
        type: number
        label: 通数
        min: 3
        max: 1
`).replace('identity: none', 'identity: none');
      const { issues } = parse(source, 'forms/990019/x.yaml');
      expect(issues.map((i) => i.line)).toEqual([1, lineOf(source, '- id: kind'), lineOf(source, 'min: 3')]);
    });
  });

  it('never throws: any text, or the minimal form with a line cut or a character changed, gives issues or a form', () => {
    const lines = MINIMAL_YAML.split('\n');
    const mutated = fc
      .tuple(fc.nat(lines.length - 1), fc.nat(40), fc.constantFrom('', ':', '-', ' ', '\t', '[', '"', '&a', '*a', '!!str'))
      .map(([line, column, insert]) =>
        lines.map((l, i) => (i === line ? l.slice(0, column) + insert + l.slice(column + 1) : l)).join('\n'),
      );
    fc.assert(
      fc.property(fc.oneof(fc.string(), mutated), (source) => {
        const { form, issues } = parse(source);
        const lineCount = source.split('\n').length;
        return (
          (form === undefined) === issues.length > 0 &&
          issues.every((i) => i.file === FILE && i.line >= 1 && i.line <= lineCount && i.message.length > 0)
        );
      }),
      { numRuns: 500 },
    );
  });
});
