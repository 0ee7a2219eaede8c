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

  it('handles the remainders 0 and 1 as the real codes do', () => {
    // 新宿区 13104: 6+15+4+0+8 = 33, 33 % 11 = 0, (11 - 0) % 10 = 1
    expect(municipalityCheckDigit('13104')).toBe(1);
    expect(isMunicipalityCode('131041')).toBe(true);
    // 渋谷区 13113: 6+15+4+3+6 = 34, 34 % 11 = 1, (11 - 1) % 10 = 0
    expect(municipalityCheckDigit('13113')).toBe(0);
    expect(isMunicipalityCode('131130')).toBe(true);
    // 東京都 13000 (a prefecture's own code): 21 % 11 = 10, 11 - 10 = 1
    expect(isMunicipalityCode('130001')).toBe(true);
    // the neighbouring fictional municipality the e2e tests use
    expect(isMunicipalityCode('990027')).toBe(true);
  });

  it('computes the check digit of the spec formula', () => {
    // (11 - (1*6 + 3*5 + 1*4 + 0*3 + 1*2) % 11) % 10 = (11 - 27 % 11) % 10 = 6
    expect(municipalityCheckDigit('13101')).toBe(6);
  });
});
