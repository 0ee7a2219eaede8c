import { errorText, EXIT_CODE, exitCodeOf } from './signer-messages';
import { SignerError, SignerErrorCode } from './signer.error';

describe('signer messages', () => {
  const codes = Object.values(SignerErrorCode);

  it.each(codes)('%s has a Japanese and an English message', (code) => {
    const sut = errorText(new SignerError(code, 'detail', { triesLeft: 2 }));

    expect(sut.ja).toMatch(/[぀-ヿ一-鿿]/);
    expect(sut.en).toMatch(/^[A-Z][A-Za-z ]+/);
    expect(sut.en).not.toBe(sut.ja);
  });

  it('gives every outcome its own exit code', () => {
    const sut = Object.values(EXIT_CODE);

    expect(new Set(sut).size).toBe(sut.length);
    expect(exitCodeOf(new SignerError(SignerErrorCode.PinBlocked, 'x'))).toBe(17);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
  });

  it('tells how many tries are left and who resets a blocked card', () => {
    expect(
      errorText(new SignerError(SignerErrorCode.WrongPin, 'x', { triesLeft: 3 })).ja,
    ).toContain('残り3回');
    expect(errorText(new SignerError(SignerErrorCode.PinBlocked, 'x')).ja).toContain(
      '市区町村の窓口',
    );
  });
});
