import fc from 'fast-check';
import { generateFictionalMyNumber, isValidMyNumber, myNumberCheckDigit } from './my-number.util';

describe('individual number check digit', () => {
  it('accepts the published example 123456789018', () => {
    expect(myNumberCheckDigit('12345678901')).toBe(8);
    expect(isValidMyNumber('123456789018')).toBe(true);
    expect(isValidMyNumber('123456789017')).toBe(false);
  });

  it('rejects what is not 12 digits', () => {
    expect(isValidMyNumber('12345678901')).toBe(false);
    expect(isValidMyNumber('12345678901a')).toBe(false);
  });

  it('generates valid fictional numbers', () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const sut = generateFictionalMyNumber();
        expect(sut).toMatch(/^\d{12}$/);
        expect(isValidMyNumber(sut)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('detects every single-digit change in the first 11 digits', () => {
    const valid = '123456789018';
    for (let i = 0; i < 11; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) !== valid[i]) {
          expect(isValidMyNumber(valid.slice(0, i) + String(d) + valid.slice(i + 1))).toBe(false);
        }
      }
    }
  });
});
