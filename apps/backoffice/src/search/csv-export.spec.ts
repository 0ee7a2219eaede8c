import type { FormDefinition } from '@madoguchi/forms';
import type { ApplicationEntity } from '../database/entities/application.entity';
import { exportColumns, japanTime, neutraliseCell } from './csv-export';

describe('neutraliseCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `'=HYPERLINK("http://evil.example","x")`],
    ['+81-3-1234-5678', "'+81-3-1234-5678"],
    ['-1+2', "'-1+2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
  ])('%j becomes text', (cell, neutral) => {
    expect(neutraliseCell(cell)).toBe(neutral);
  });

  it.each(['山田 花子', '03-1234-5678', '', "'already", ' =1 (a space first)'])(
    '%j is left as it is',
    (cell) => {
      expect(neutraliseCell(cell)).toBe(cell);
    },
  );
});

describe('exportColumns', () => {
  const form: FormDefinition = {
    municipalityCode: '990019',
    id: 'test',
    version: 1,
    title: { ja: 'テスト' },
    department: { ja: '市民課' },
    identity: 'none',
    autofill: [],
    retentionYears: 1,
    sha256: '0'.repeat(64),
    source: '990019/test.yaml',
    sections: [
      {
        id: 'a',
        title: { ja: '申請者' },
        fields: [
          { id: 'name', type: 'japanese-name', label: { ja: '氏名' }, required: true, kana: true },
          {
            id: 'kind',
            type: 'radio',
            label: { ja: '種別' },
            required: true,
            options: [{ value: 'sofa', label: { ja: 'ソファー' } }],
          },
          { id: 'day', type: 'date', label: { ja: '希望日' }, required: false },
        ],
      },
      {
        id: 'b',
        title: { ja: '代理人' },
        fields: [{ id: 'agent', type: 'japanese-name', label: { ja: '氏名' }, required: false }],
      },
    ],
  };
  const application = {
    receiptNumber: '20260401-00000001',
    titleJa: 'テスト',
    applicantName: '山田 花子',
    department: '市民課',
    status: 'in_review',
    submittedAt: new Date('2026-04-01T00:00:00Z'),
    receivedAt: new Date('2026-04-01T00:00:05Z'),
    answers: {
      name: { family: '山田', given: '花子', familyKana: 'ヤマダ', givenKana: 'ハナコ' },
      kind: 'sofa',
      day: '2026-04-10',
    },
  } as unknown as ApplicationEntity;

  it('base columns without a form', () => {
    const sut = exportColumns(undefined);
    expect(sut.map((c) => c.header)).toEqual([
      '受付番号',
      '申請',
      '申請者',
      '担当課',
      '状態',
      '申請日時',
      '受付日時',
    ]);
    expect(sut.map((c) => c.value(application))).toEqual([
      '20260401-00000001',
      'テスト',
      '山田 花子',
      '市民課',
      '審査中',
      '2026-04-01 09:00:00',
      '2026-04-01 09:00:05',
    ]);
  });

  it('one column per field with a form, labelled from the form, valued as on the detail page', () => {
    const sut = exportColumns(form);
    expect(sut.map((c) => c.header).slice(6)).toEqual([
      '申請者／氏名',
      '種別',
      '希望日',
      '代理人／氏名',
    ]);
    expect(sut.map((c) => c.value(application)).slice(6)).toEqual([
      '山田 花子（ヤマダ ハナコ）',
      'ソファー',
      '令和8年4月10日',
      '',
    ]);
    expect(japanTime(new Date('2026-12-31T15:00:00Z'))).toBe('2027-01-01 00:00:00');
  });
});
