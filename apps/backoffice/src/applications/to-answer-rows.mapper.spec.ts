import type { FormDefinition } from '@madoguchi/forms';
import { toAnswerSections } from './to-answer-rows.mapper';

const form: FormDefinition = {
  municipalityCode: '990019',
  id: 'test',
  version: 1,
  title: { ja: 'テスト' },
  department: { ja: '課' },
  identity: 'none',
  autofill: [],
  retentionYears: 1,
  sha256: '0'.repeat(64),
  source: '990019/test.yaml',
  sections: [
    {
      id: 'a',
      title: { ja: '申請者', en: 'Applicant' },
      fields: [
        { id: 'name', type: 'japanese-name', label: { ja: '氏名' }, required: true, kana: true },
        { id: 'born', type: 'date', label: { ja: '生年月日' }, required: true },
        {
          id: 'kind',
          type: 'radio',
          label: { ja: '種類' },
          required: true,
          options: [
            { value: 'sofa', label: { ja: 'ソファ', en: 'Sofa' } },
            { value: 'bed', label: { ja: 'ベッド', en: 'Bed' } },
          ],
        },
        {
          id: 'days',
          type: 'checkboxes',
          label: { ja: '希望日' },
          required: false,
          options: [
            { value: 'mon', label: { ja: '月曜', en: 'Monday' } },
            { value: 'tue', label: { ja: '火曜', en: 'Tuesday' } },
          ],
        },
        { id: 'note', type: 'textarea', label: { ja: '備考' }, required: false },
      ],
    },
    {
      id: 'spouse',
      title: { ja: '配偶者' },
      when: { field: 'kind', equals: 'bed' },
      fields: [{ id: 'spouseName', type: 'text', label: { ja: '配偶者の氏名' }, required: true }],
    },
    {
      id: 'files',
      title: { ja: '添付' },
      fields: [{ id: 'doc', type: 'file', label: { ja: '書類' }, required: false }],
    },
  ],
};

describe('toAnswerSections', () => {
  const answers = {
    name: { family: '山田', given: '花子', familyKana: 'ヤマダ', givenKana: 'ハナコ' },
    born: '1990-01-08',
    kind: 'sofa',
    days: ['mon', 'tue'],
    note: '',
    spouseName: '見えない',
    doc: [
      { id: 'p1', name: '書類.pdf', type: 'application/pdf', size: 10, sha256: 'a'.repeat(64) },
    ],
    retired: 'old version field',
  };

  it('shows every visible answer under its label, in the form order, with option labels and era dates', () => {
    const sut = toAnswerSections(form, answers, (id) => (id === 'p1' ? 'att-1' : undefined));
    expect(sut.map((s) => s.title.ja)).toEqual(['申請者', '添付', 'その他の回答']);
    expect(sut[0].rows).toEqual([
      {
        label: { ja: '氏名' },
        text: { ja: '山田 花子（ヤマダ ハナコ）', en: '山田 花子（ヤマダ ハナコ）' },
      },
      { label: { ja: '生年月日' }, text: { ja: '平成2年1月8日', en: '1990-01-08' } },
      { label: { ja: '種類' }, text: { ja: 'ソファ', en: 'Sofa' } },
      { label: { ja: '希望日' }, text: { ja: '月曜、火曜', en: 'Monday, Tuesday' } },
    ]);
    expect(sut[1].rows[0].files).toEqual([
      {
        attachmentId: 'att-1',
        name: '書類.pdf',
        size: 10,
        type: 'application/pdf',
        sha256: 'a'.repeat(64),
      },
    ]);
  });

  it('never drops an answer: hidden or unknown ones are listed under their field ids, empty ones not at all', () => {
    const sut = toAnswerSections(form, answers, () => undefined);
    const other = sut[sut.length - 1];
    expect(other.rows.map((r) => [r.label.ja, r.text?.ja])).toEqual([
      ['spouseName', '見えない'],
      ['retired', 'old version field'],
    ]);
  });

  it('shows the answers under their ids when the form definition is gone', () => {
    const sut = toAnswerSections(undefined, { kind: 'bed', n: 3 }, () => undefined);
    expect(sut).toEqual([
      {
        title: { ja: 'その他の回答', en: 'Other answers' },
        rows: [
          { label: { ja: 'kind', en: 'kind' }, text: { ja: 'bed', en: 'bed' } },
          { label: { ja: 'n', en: 'n' }, text: { ja: '3', en: '3' } },
        ],
      },
    ]);
  });
});
