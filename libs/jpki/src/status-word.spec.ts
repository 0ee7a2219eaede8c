import { CardErrorCode } from './card.error';
import { statusWordToError, SW, wrongPinSw } from './status-word';

describe('statusWordToError', () => {
  it('returns nothing for 9000', () => {
    expect(statusWordToError(SW.OK)).toBeUndefined();
  });

  it('maps 63Cx to WRONG_PIN with the tries left', () => {
    const sut = statusWordToError(0x63c3, 'VERIFY');
    expect(sut?.code).toBe(CardErrorCode.WrongPin);
    expect(sut?.triesLeft).toBe(3);
    expect(sut?.sw).toBe(0x63c3);
    expect(statusWordToError(0x63c0)?.triesLeft).toBe(0);
  });

  it.each([
    [0x6984, CardErrorCode.PinBlocked],
    [0x6983, CardErrorCode.PinBlocked],
    [0x6982, CardErrorCode.SecurityStatusNotSatisfied],
    [0x6a82, CardErrorCode.FileNotFound],
    [0x6a88, CardErrorCode.FileNotFound],
    [0x6700, CardErrorCode.WrongLength],
    [0x6a80, CardErrorCode.WrongData],
    [0x6a86, CardErrorCode.WrongP1P2],
    [0x6d00, CardErrorCode.InsNotSupported],
    [0x6e00, CardErrorCode.ClaNotSupported],
    [0x6985, CardErrorCode.ConditionsNotSatisfied],
    [0x6981, CardErrorCode.ConditionsNotSatisfied],
    [0x6986, CardErrorCode.NoEfSelected],
    [0x6b00, CardErrorCode.EndOfFile],
    [0x6282, CardErrorCode.EndOfFile],
    [0x6f00, CardErrorCode.UnexpectedStatus],
    [0x9001, CardErrorCode.UnexpectedStatus],
  ])('maps %s', (sw, code) => {
    expect(statusWordToError(sw)?.code).toBe(code);
  });

  it('clamps wrongPinSw to one nibble', () => {
    expect(wrongPinSw(5)).toBe(0x63c5);
    expect(wrongPinSw(-1)).toBe(0x63c0);
    expect(wrongPinSw(20)).toBe(0x63cf);
  });
});
