import { join } from 'node:path';
import fc from 'fast-check';
import { validateAnswers, type RawAnswers } from './answers.validator';
import type { AttachmentRef, FieldDefinition, FormDefinition } from './form-definition';
import { FormsError } from './forms.error';
import { loadFormsDirectory } from './forms-directory.loader';
import { field, form, section } from './testing/form.factory';

const NOW = new Date('2025-04-30T15:00:00Z'); // 2025-05-01 00:00 in Japan

const options = (...values: string[]) => values.map((value) => ({ value, label: { ja: value } }));

/** Validates one field alone; returns its error (ja) or its normalised value. */
function one(f: FieldDefinition, raw: RawAnswers, attachments: Record<string, AttachmentRef[]> = {}) {
  const sut = validateAnswers(form([section('s', [f])]), raw, attachments, { now: NOW });
  return { value: sut.answers[f.id], error: sut.errors[f.id]?.ja, en: sut.errors[f.id]?.en };
}

const ref = (overrides: Partial<AttachmentRef> = {}): AttachmentRef => ({
  id: 'a1',
  name: 'scan.pdf',
  type: 'application/pdf',
  size: 1000,
  sha256: 'ab'.repeat(32),
  ...overrides,
});

describe('validateAnswers', () => {
  describe('required', () => {
    it.each([
      [
        'text',
        field({ id: 't', type: 'text', required: true }), '項目tを入力してください', 'Enter item t.'],
      [
        'radio',
        field({ id: 'r', type: 'radio', required: true, options: options('a') }), '項目rを選択してください', 'Select item r.'],
      [
        'checkboxes',
        field({ id: 'c', type: 'checkboxes', required: true, options: options('a') }),
        '項目cは1つ以上選んでください',
        'Select at least 1 for item c.',
      ],
      [
        'file',
        field({ id: 'f', type: 'file', required: true }), '項目fを添付してください', 'Attach item f.'],
      [
        'japanese-name',
        field({ id: 'n', type: 'japanese-name', required: true }), '項目nを入力してください', 'Enter item n.'],
      [
        'address',
        field({ id: 'a', type: 'address', required: true }), '項目aを入力してください', 'Enter item a.'],
    ])('an empty required %s field says what to do', (_type, f, ja, en) => {
      expect(one(f, { [f.id]: '   ' })).toEqual({ value: undefined, error: ja, en });
    });

    it('leaves an empty optional field out of the answers', () => {
      expect(one(field({ id: 't', type: 'text' }), { t: '' })).toEqual({ value: undefined, error: undefined, en: undefined });
    });
  });

  describe('text and textarea', () => {
    it('trims text and counts characters as people do', () => {
      const f = field({ id: 't', type: 'text', maxLength: 2 });
      expect(one(f, { t: '  𠮷野 ' }).value).toBe('𠮷野');
      expect(one(f, { t: '𠮷野家' }).error).toBe('項目tは2文字以内で入力してください');
    });

    it('enforces minLength', () => {
      expect(one(field({ id: 't', type: 'text', minLength: 3 }), { t: 'ab' }).error).toBe('項目tは3文字以上で入力してください');
    });

    it('applies a default limit when none is set', () => {
      expect(one(field({ id: 't', type: 'text' }), { t: 'あ'.repeat(201) }).error).toBe('項目tは200文字以内で入力してください');
    });

    it('checks a pattern against the whole value, with the definition\'s message', () => {
      const f = field({
        id: 'acct',
        type: 'text',
        pattern: '[0-9]{7}',
        patternMessage: { ja: '口座番号は7桁の数字で入力してください', en: 'Enter 7 digits.' },
      });
      expect(one(f, { acct: '1234567' }).value).toBe('1234567');
      expect(one(f, { acct: 'x1234567' })).toMatchObject({ error: '口座番号は7桁の数字で入力してください', en: 'Enter 7 digits.' });
    });

    it('refuses control characters in a single line but keeps newlines in a textarea', () => {
      expect(one(field({ id: 't', type: 'text' }), { t: 'a\u0000b' }).error).toBe(
        '項目tに使えない文字が含まれています。文字を入力し直してください',
      );
      expect(one(field({ id: 'm', type: 'textarea' }), { m: '1行目\r\n2行目\r\n' }).value).toBe('1行目\n2行目');
    });

    it.each([
      `<script>alert("x")</script>`,
      `'; DROP TABLE applications; --`,
      `" OR 1=1 --`,
      `{{constructor.constructor('return process')()}}`,
      `<img src=x onerror=alert(1)>&amp;`,
    ])('keeps %j verbatim in every text field: escaping is the page\'s job', (input) => {
      const sut = form([
        section('s', [
          field({ id: 't', type: 'text' }),
          field({ id: 'm', type: 'textarea' }),
          field({ id: 'n', type: 'japanese-name' }),
          field({ id: 'a', type: 'address' }),
        ]),
      ]);
      const raw = { t: input, m: input, 'n.family': input, 'n.given': input, 'a.text': input };
      const before = JSON.stringify(raw);
      const result = validateAnswers(sut, raw, {}, { now: NOW });
      expect(result).toEqual({
        answers: { t: input, m: input, n: { family: input, given: input }, a: { text: input } },
        errors: {},
      });
      expect(JSON.stringify(raw)).toBe(before);
    });

    it('refuses a simple field sent twice (a tampered body)', () => {
      expect(one(field({ id: 't', type: 'text' }), { t: ['a', 'b'] }).error).toBe('項目tをもう一度入力してください');
    });

    it('never reads inherited properties as answers', () => {
      const sut = form([section('s', [field({ id: 'constructor', type: 'text', required: true })])]);
      expect(Object.entries(validateAnswers(sut, {}, {}).errors)).toEqual([
        ['constructor', { ja: '項目constructorを入力してください', en: 'Enter item constructor.' }],
      ]);
    });
  });

  describe('number', () => {
    const f = field({ id: 'n', type: 'number', min: 1, max: 10 });

    it('reads full-width digits and thousands separators', () => {
      expect(one(f, { n: '１０' }).value).toBe(10);
      expect(one(field({ id: 'n', type: 'number' }), { n: '1,500' }).value).toBe(1500);
    });

    it('says the range when out of it', () => {
      expect(one(f, { n: '0' }).error).toBe('項目nは1から10までの数を入力してください');
      expect(one(f, { n: '11' }).en).toBe('item n must be between 1 and 10.');
      expect(one(field({ id: 'n', type: 'number', min: 1 }), { n: '0' }).error).toBe('項目nは1以上の数を入力してください');
      expect(one(field({ id: 'n', type: 'number', max: 5 }), { n: '6' }).error).toBe('項目nは5以下の数を入力してください');
    });

    it('refuses what is not a number', () => {
      expect(one(f, { n: '三' }).error).toBe('項目nは数字で入力してください（例：3）');
      expect(one(f, { n: '1e3' }).error).toBe('項目nは数字で入力してください（例：3）');
    });
  });

  describe('date', () => {
    it('normalises to ISO and refuses dates not on the calendar', () => {
      const f = field({ id: 'd', type: 'date' });
      expect(one(f, { d: '２０２５/５/１' }).value).toBe('2025-05-01');
      expect(one(f, { d: '2025-02-29' }).error).toBe('項目dは実在する日付を西暦で入力してください（例：2025-05-01）');
      expect(one(f, { d: 'tomorrow' }).error).toBe('項目dは実在する日付を西暦で入力してください（例：2025-05-01）');
    });

    it('resolves today±N in Japan time and words limits with the era', () => {
      const f = field({ id: 'd', type: 'date', min: 'today+3', max: 'today+60' });
      expect(one(f, { d: '2025-05-04' }).value).toBe('2025-05-04');
      expect(one(f, { d: '2025-05-03' })).toMatchObject({
        error: '項目dは令和7年5月4日以降の日付を選んでください',
        en: 'item d must be on or after 2025-05-04.',
      });
      expect(one(f, { d: '2025-07-01' }).error).toBe('項目dは令和7年6月30日以前の日付を選んでください');
    });

    it('accepts absolute limits', () => {
      const f = field({ id: 'd', type: 'date', max: '2019-04-30' });
      expect(one(f, { d: '2019-05-01' }).error).toBe('項目dは平成31年4月30日以前の日付を選んでください');
    });
  });

  describe('email, tel and postal code', () => {
    it('validates an email address after NFKC', () => {
      const f = field({ id: 'e', type: 'email' });
      expect(one(f, { e: 'ｔａｒｏ＠example.jp' }).value).toBe('taro@example.jp');
      expect(one(f, { e: 'taro@example' }).error).toBe('項目eは「@」を含む正しい形式で入力してください（例：taro@example.jp）');
      expect(one(f, { e: 'taro example@x.jp' }).error).toBe('項目eは「@」を含む正しい形式で入力してください（例：taro@example.jp）');
    });

    it('normalises a phone number and checks its digits', () => {
      const f = field({ id: 'p', type: 'tel' });
      expect(one(f, { p: '０３ー１２３４ー５６７８' }).value).toBe('03-1234-5678');
      expect(one(f, { p: '09012345678' }).value).toBe('09012345678');
      expect(one(f, { p: '(03) 1234 5678' }).value).toBe('03-1234-5678');
      expect(one(f, { p: '1234-5678' }).error).toBe(
        '項目pは市外局番から10桁または11桁の数字で入力してください（例：03-1234-5678）',
      );
      expect(one(f, { p: '03-1234-567' }).error).toContain('10桁または11桁');
    });

    it('normalises a postal code to 7 digits', () => {
      const f = field({ id: 'zip', type: 'postal-code', label: { ja: '郵便番号', en: 'postal code' } });
      expect(one(f, { zip: '〒１００－０００１' }).value).toBe('1000001');
      expect(one(f, { zip: '100-0001' }).value).toBe('1000001');
      expect(one(f, { zip: '100-001' })).toMatchObject({
        error: '郵便番号は7桁の数字で入力してください（例：1000001）',
        en: 'Enter postal code as 7 digits (e.g. 1000001).',
      });
    });
  });

  describe('choices', () => {
    const select = field({ id: 's', type: 'select', options: options('a', 'b') });

    it('accepts only a value the form offered', () => {
      expect(one(select, { s: 'a' }).value).toBe('a');
      expect(one(select, { s: 'z' }).error).toBe('項目sは表示されている選択肢から選んでください');
      expect(one(select, { s: '__proto__' }).error).toBe('項目sは表示されている選択肢から選んでください');
    });

    const boxes = field({ id: 'c', type: 'checkboxes', options: options('a', 'b', 'c'), minSelected: 2, maxSelected: 2 });

    it('takes a single string or a list, in the order of the options', () => {
      expect(one(field({ id: 'c', type: 'checkboxes', options: options('a', 'b') }), { c: 'b' }).value).toEqual(['b']);
      expect(one(boxes, { c: ['c', 'a', 'a'] }).value).toEqual(['a', 'c']);
    });

    it('counts ticks', () => {
      expect(one(boxes, { c: ['a'] }).error).toBe('項目cは2つ以上選んでください');
      expect(one(boxes, { c: ['a', 'b', 'c'] }).error).toBe('項目cは2つ以内で選んでください');
    });

    it('refuses a tick that was not offered', () => {
      expect(one(boxes, { c: ['a', 'x'] }).error).toBe('項目cは表示されている選択肢から選んでください');
    });
  });

  describe('japanese-name', () => {
    const f = field({ id: 'name', type: 'japanese-name', kana: true, required: true, label: { ja: '氏名', en: 'name' } });

    it('keeps names as typed and turns readings into katakana', () => {
      expect(
        one(f, { 'name.family': ' 髙﨑 ', 'name.given': '太郎', 'name.familyKana': 'たかさき', 'name.givenKana': 'ﾀﾛｳ' }).value,
      ).toEqual({ family: '髙﨑', given: '太郎', familyKana: 'タカサキ', givenKana: 'タロウ' });
    });

    it('asks for both names and both readings', () => {
      expect(one(f, { 'name.family': '窓口' }).error).toBe('氏名の姓と名を入力してください');
      expect(one(f, { 'name.family': '窓口', 'name.given': '太郎', 'name.familyKana': 'マドグチ' }).error).toBe(
        '氏名のフリガナ（セイ・メイ）を入力してください',
      );
    });

    it('refuses a reading that is not kana', () => {
      expect(
        one(f, { 'name.family': '窓口', 'name.given': '太郎', 'name.familyKana': 'Madoguchi', 'name.givenKana': 'タロウ' }),
      ).toMatchObject({ error: '氏名のフリガナはカタカナで入力してください', en: 'Enter the reading of name in katakana.' });
    });
  });

  describe('address', () => {
    const f = field({ id: 'addr', type: 'address', required: true, label: { ja: '住所', en: 'address' } });

    it('normalises the postal code and keeps the text', () => {
      expect(one(f, { 'addr.postalCode': '990-0019', 'addr.text': 'まどぐち市本町1-2-3' }).value).toEqual({
        postalCode: '9900019',
        text: 'まどぐち市本町1-2-3',
      });
      expect(one(f, { 'addr.text': 'まどぐち市本町1-2-3' }).value).toEqual({ text: 'まどぐち市本町1-2-3' });
    });

    it('says which part to fix', () => {
      expect(one(f, { 'addr.postalCode': '99', 'addr.text': '本町' }).error).toBe(
        '住所の郵便番号は7桁の数字で入力してください（例：1000001）',
      );
      expect(one(f, { 'addr.postalCode': '9900019' }).error).toBe('住所を入力してください');
    });
  });

  describe('file', () => {
    const f = field({ id: 'doc', type: 'file', accept: ['application/pdf'], maxBytes: 2000, maxFiles: 1, label: { ja: '書類', en: 'document' } });

    it('keeps the references of valid attachments', () => {
      expect(one(f, {}, { doc: [ref()] }).value).toEqual([ref()]);
      const stored = { ...ref(), blobKey: 'blobs/ab/cd' };
      expect(one(f, {}, { doc: [stored] }).value).toStrictEqual([ref()]);
    });

    it('refuses a type, a size or a count the field does not allow', () => {
      expect(one(f, {}, { doc: [ref({ type: 'image/png' })] }).error).toBe('書類はPDFのいずれかの形式のファイルを添付してください');
      expect(one(f, {}, { doc: [ref({ size: 2001 })] }).error).toBe('書類のファイルは1.9KB以下にしてください');
      expect(one(f, {}, { doc: [ref(), ref({ id: 'a2' })] }).error).toBe('書類は1件以内で添付してください');
    });
  });

  describe('conditions and steps', () => {
    const sut: FormDefinition = form([
      section('claimant', [
        field({ id: 'spouse', type: 'radio', required: true, options: options('yes', 'no') }),
        field({ id: 'note', type: 'text', when: { field: 'spouse', equals: 'no' } }),
      ]),
      section('spouseDetails', [field({ id: 'spouseName', type: 'text', required: true })], {
        when: { field: 'spouse', equals: 'yes' },
      }),
      section('child', [field({ id: 'childName', type: 'text', required: true })]),
    ]);

    it('validates a shown conditional section', () => {
      const result = validateAnswers(sut, { spouse: 'yes', childName: '花子' }, {});
      expect(result.errors).toEqual({ spouseName: { ja: '項目spouseNameを入力してください', en: 'Enter item spouseName.' } });
    });

    it('drops hidden fields and sections, even when the body carries them', () => {
      const result = validateAnswers(sut, { spouse: 'no', note: 'x', spouseName: '<b>stale</b>', childName: '花子' }, {});
      expect(result).toEqual({ answers: { spouse: 'no', note: 'x', childName: '花子' }, errors: {} });
    });

    it('validates one step only, with conditions from earlier steps', () => {
      const step = validateAnswers(sut, { spouse: 'yes', spouseName: '' }, {}, { sectionId: 'spouseDetails' });
      expect(Object.keys(step.errors)).toEqual(['spouseName']);
      expect(step.answers).toEqual({});
      const first = validateAnswers(sut, { spouse: 'yes' }, {}, { sectionId: 'claimant' });
      expect(first).toEqual({ answers: { spouse: 'yes' }, errors: {} });
    });

    it('returns nothing for a step that is hidden', () => {
      expect(validateAnswers(sut, { spouse: 'no' }, {}, { sectionId: 'spouseDetails' })).toEqual({ answers: {}, errors: {} });
    });

    it('throws a FormsError for a section the form does not have', () => {
      expect(() => validateAnswers(sut, {}, {}, { sectionId: 'nope' })).toThrow(FormsError);
    });
  });
});

describe('validateAnswers on the demo forms', () => {
  const { forms } = loadFormsDirectory(join(__dirname, '../../../forms'));
  const rawKeys = forms.flatMap((f) =>
    f.sections.flatMap((s) =>
      s.fields.flatMap((x) => [x.id, `${x.id}.family`, `${x.id}.given`, `${x.id}.familyKana`, `${x.id}.text`, `${x.id}.postalCode`]),
    ),
  );
  const value = fc.oneof(
    fc.string(),
    fc.constantFrom('yes', 'no', 'other', 'apart', '2025-05-10', '03-1234-5678', '1000001', 'タロウ', '<b>x</b>'),
    fc.array(fc.string(), { maxLength: 3 }),
  );

  it('never throws on arbitrary bodies, and answers or errors only name fields', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...forms),
        fc.dictionary(fc.oneof(fc.constantFrom(...rawKeys), fc.string()), value, { maxKeys: 20 }),
        (f, raw) => {
          const ids = new Set(f.sections.flatMap((s) => s.fields.map((x) => x.id)));
          const { answers, errors } = validateAnswers(f, raw, {}, { now: NOW });
          return [...Object.keys(answers), ...Object.keys(errors)].every((k) => ids.has(k));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts a complete 粗大ごみ application as a browser would post it', () => {
    const sodai = forms.find((f) => f.id === 'sodai-gomi');
    expect(sodai).toBeDefined();
    const result = validateAnswers(
      sodai as FormDefinition,
      {
        'name.family': '窓口',
        'name.given': '太郎',
        'name.familyKana': 'まどぐち',
        'name.givenKana': 'たろう',
        'address.postalCode': '９９０－００１９',
        'address.text': 'まどぐち市本町1-2-3',
        tel: '03-1234-5678',
        email: '',
        items: ['sofa', 'bed'],
        collectionDate: '2025-05-10',
        place: 'door',
        notes: '',
      },
      {},
      { now: NOW },
    );
    expect(result).toEqual({
      answers: {
        name: { family: '窓口', given: '太郎', familyKana: 'マドグチ', givenKana: 'タロウ' },
        address: { postalCode: '9900019', text: 'まどぐち市本町1-2-3' },
        tel: '03-1234-5678',
        items: ['bed', 'sofa'],
        collectionDate: '2025-05-10',
        place: 'door',
      },
      errors: {},
    });
  });
});
