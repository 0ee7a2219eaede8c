import type { FieldDefinition, FormDefinition, SectionDefinition } from '../form-definition';

/** A field with a label whose ja/en the tests can assert on. */
export function field(overrides: Partial<FieldDefinition> & Pick<FieldDefinition, 'id' | 'type'>): FieldDefinition {
  return { label: { ja: `項目${overrides.id}`, en: `item ${overrides.id}` }, required: false, ...overrides };
}

export function section(id: string, fields: FieldDefinition[], extra: Partial<SectionDefinition> = {}): SectionDefinition {
  return { id, title: { ja: id }, fields, ...extra };
}

export function form(sections: SectionDefinition[], extra: Partial<FormDefinition> = {}): FormDefinition {
  return {
    municipalityCode: '990019',
    id: 'test-form',
    version: 1,
    title: { ja: 'テスト' },
    department: { ja: '市民課' },
    identity: 'none',
    autofill: [],
    retentionYears: 5,
    sections,
    sha256: '0'.repeat(64),
    source: '990019/test-form.yaml',
    ...extra,
  };
}

/** A valid YAML definition (one section, one text field) to break line by line in tests. */
export const MINIMAL_YAML = `id: test-form
version: 1
title: テスト申請
department:
  ja: 市民課
  en: Citizen Affairs Division
identity: none
retentionYears: 5
sections:
  - id: main
    title: 入力
    fields:
      - id: name
        type: text
        label: 氏名
`;
