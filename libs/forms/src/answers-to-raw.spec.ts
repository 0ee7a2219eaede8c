import { answersToRawValues } from './answers-to-raw';
import { validateAnswers } from './answers.validator';
import { field, form, section } from './testing/form.factory';

describe('answersToRawValues', () => {
  const sut = form([
    section('who', [
      field({ id: 'name', type: 'japanese-name', kana: true, required: true }),
      field({ id: 'address', type: 'address', required: true }),
      field({ id: 'tel', type: 'tel' }),
      field({ id: 'email', type: 'email' }),
      field({ id: 'born', type: 'date' }),
    ]),
    section('what', [
      field({ id: 'count', type: 'number' }),
      field({ id: 'kind', type: 'radio', options: [{ value: 'a', label: { ja: 'A' } }, { value: 'b', label: { ja: 'B' } }] }),
      field({ id: 'items', type: 'checkboxes', options: [{ value: 'x', label: { ja: 'X' } }, { value: 'y', label: { ja: 'Y' } }] }),
      field({ id: 'note', type: 'textarea' }),
      field({ id: 'map', type: 'file' }),
      field({ id: 'zip', type: 'postal-code' }),
    ]),
  ]);

  it('gives back a body that validates to the same answers (files left out)', () => {
    const answers = {
      name: { family: '山田', given: '花子', familyKana: 'ヤマダ', givenKana: 'ハナコ' },
      address: { postalCode: '1000001', text: 'まどぐち市本町1-2-3' },
      tel: '03-1234-5678',
      email: 'hanako@example.jp',
      born: '1990-04-01',
      count: 2,
      kind: 'b',
      items: ['x', 'y'],
      note: '二行\n目',
      zip: '1000002',
      map: [{ id: 'f1', name: 'map.png', type: 'image/png', size: 10, sha256: 'a'.repeat(64) }],
    };
    const raw = answersToRawValues(sut, answers);
    expect(raw).not.toHaveProperty('map');
    expect(raw['name.familyKana']).toBe('ヤマダ');
    const { map: _files, ...withoutFiles } = answers;
    expect(validateAnswers(sut, raw, {})).toEqual({ answers: withoutFiles, errors: {} });
  });

  it('drops answers of fields the form no longer has and values of the wrong shape', () => {
    const raw = answersToRawValues(sut, {
      gone: 'x',
      tel: { family: 'a', given: 'b' },
      items: 'x',
      name: 'just a string',
    } );
    expect(raw).toEqual({});
  });
});
