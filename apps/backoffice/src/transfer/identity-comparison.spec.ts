import type { FormDefinition } from '@madoguchi/forms';
import { enteredBasicFour, identityDifferences } from './identity-comparison';

const form = {
  sections: [
    {
      fields: [
        { id: 'applicant', type: 'japanese-name', autofill: 'name' },
        { id: 'born', type: 'date', autofill: 'birthdate' },
        { id: 'sex', type: 'radio', autofill: 'sex' },
        { id: 'home', type: 'address', autofill: 'address' },
        { id: 'tel', type: 'tel' },
      ],
    },
  ],
} as unknown as FormDefinition;

const certified = {
  name: '窓口　花子',
  address: '東京都千代田区霞が関２丁目１番２号',
  birthdate: '19900102',
  sex: '2',
};

describe('enteredBasicFour', () => {
  it('reads the autofill fields into the certificate shape', () => {
    const sut = enteredBasicFour(form, {
      applicant: { family: '窓口', given: '花子' },
      born: '1990-01-02',
      sex: 'female',
      home: { postalCode: '1000013', text: '東京都千代田区霞が関２丁目１番２号' },
      tel: '0312345678',
    });
    expect(sut).toEqual(certified);
  });

  it('leaves out what the form does not have', () => {
    expect(enteredBasicFour(undefined, { applicant: { family: 'a', given: 'b' } })).toEqual({});
  });
});

describe('identityDifferences', () => {
  it('finds none when only width and spacing differ', () => {
    const sut = identityDifferences(
      certified,
      { ...certified, name: '窓口 花子', address: '東京都千代田区霞が関2丁目1番2号' },
      { ...certified },
    );
    expect(sut).toEqual([]);
  });

  it('lists each differing item against the entered and the card-face values', () => {
    const sut = identityDifferences(
      certified,
      { ...certified, name: '窓口　太郎', sex: '1' },
      { ...certified, birthdate: '19900103' },
    );
    expect(sut).toEqual([
      { item: 'name', against: 'entered', certified: '窓口　花子', other: '窓口　太郎' },
      { item: 'sex', against: 'entered', certified: '2', other: '1' },
      { item: 'birthdate', against: 'cardface', certified: '19900102', other: '19900103' },
    ]);
  });

  it('compares nothing without certified details', () => {
    expect(identityDifferences(null, { name: 'x' }, null)).toEqual([]);
  });
});
