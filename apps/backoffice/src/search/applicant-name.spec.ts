import type { FieldDefinition, FormDefinition } from '@madoguchi/forms';
import { applicantNameOf, foldName, NO_APPLICANT } from './applicant-name';

function formWith(fields: FieldDefinition[]): FormDefinition {
  return {
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
    sections: [{ id: 's', title: { ja: '申請者' }, fields }],
  };
}
const nameField = (id: string, extra: Partial<FieldDefinition> = {}): FieldDefinition => ({
  id,
  type: 'japanese-name',
  label: { ja: '氏名' },
  required: true,
  kana: true,
  ...extra,
});

describe('foldName', () => {
  it.each([
    ['山田 花子', '山田花子'],
    ['山田\u3000花子', '山田花子'],
    ['ﾔﾏﾀﾞ ﾊﾅｺ', 'ヤマダハナコ'],
    ['やまだ　はなこ', 'ヤマダハナコ'],
    ['ヤマダハナコ', 'ヤマダハナコ'],
    ['ＹＡＭＡＤＡ　Ｔａｒｏ', 'YAMADATaro'],
    ['髙橋', '髙橋'],
  ])('%s → %s', (input, folded) => {
    expect(foldName(input)).toBe(folded);
  });
});

describe('applicantNameOf', () => {
  const answers = {
    child: { family: '窓口', given: '次郎', familyKana: 'まどぐち', givenKana: 'じろう' },
    parent: { family: '窓口', given: '花子', familyKana: 'ﾏﾄﾞｸﾞﾁ', givenKana: 'ﾊﾅｺ' },
  };

  it('takes the field the card face fills, else the first name field of the form', () => {
    const sut = applicantNameOf(
      formWith([nameField('child'), nameField('parent', { autofill: 'name' })]),
      answers,
    );
    expect(sut).toEqual({
      display: '窓口 花子',
      searchName: '窓口花子',
      searchKana: 'マドグチハナコ',
    });
    expect(applicantNameOf(formWith([nameField('child'), nameField('parent')]), answers)).toEqual({
      display: '窓口 次郎',
      searchName: '窓口次郎',
      searchKana: 'マドグチジロウ',
    });
  });

  it('without the form definition, the first answer shaped like a name', () => {
    expect(applicantNameOf(undefined, { tel: '03', ...answers }).searchName).toBe('窓口次郎');
  });

  it('marks a form without a name as looked at, not as missing', () => {
    expect(applicantNameOf(formWith([]), { tel: '03' })).toEqual(NO_APPLICANT);
    expect(NO_APPLICANT.searchName).toBe('');
  });
});
