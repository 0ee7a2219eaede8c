import { isMunicipalityCode, municipalityCheckDigit } from './municipality-code';

describe('isMunicipalityCode', () => {
  it.each(['131016', '011002', '271004', '472018', '990019'])('accepts %s', (code) => {
    expect(isMunicipalityCode(code)).toBe(true);
  });

  it.each([
    ['131017', 'wrong check digit'],
    ['13101', 'five digits'],
    ['1310160', 'seven digits'],
    ['１３１０１６', 'full-width digits'],
    ['481003', 'prefecture 48 does not exist'],
    ['001007', 'prefecture 00 does not exist'],
    ['99001a', 'a letter'],
  ])('rejects %s (%s)', (code) => {
    expect(isMunicipalityCode(code)).toBe(false);
  });

  it('computes the check digit of the spec formula', () => {
    // (11 - (1*6 + 3*5 + 1*4 + 0*3 + 1*2) % 11) % 10 = (11 - 27 % 11) % 10 = 6
    expect(municipalityCheckDigit('13101')).toBe(6);
  });
});
