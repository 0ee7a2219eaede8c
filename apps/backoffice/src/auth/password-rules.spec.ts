import { MIN_PASSWORD_LENGTH, passwordProblem } from './password-rules';

describe('passwordProblem', () => {
  it.each([
    ['a long staff password', 'sato'],
    ['まどぐち市の窓口は九時から', 'tanaka'],
    ['correct horse battery staple', 'admin'],
    ['xK9#mQ2$vL7!', 'suzuki'],
  ])('accepts %p for %p', (password, loginId) => {
    expect(passwordProblem(password, loginId)).toBeUndefined();
  });

  it(`refuses fewer than ${MIN_PASSWORD_LENGTH} characters, counted as characters, not bytes`, () => {
    expect(passwordProblem('short pass1', 'sato')).toBe('TOO_SHORT');
    // 11 Japanese characters are 33 bytes in UTF-8, still too short
    expect(passwordProblem('まどぐち市の窓口は九時', 'sato')).toBe('TOO_SHORT');
    expect(passwordProblem('まどぐち市の窓口は九時か', 'sato')).toBeUndefined();
  });

  it.each([
    ['tanaka2026!!', 'tanaka'],
    ['2026-TANAKA-1', 'tanaka'],
    ['ｔａｎａｋａ　ｔａｎａｋａ　１２', 'tanaka'],
    ['soumu.yamada', 'soumu.yamada'],
  ])('refuses %p, the login id %p with little added', (password, loginId) => {
    expect(passwordProblem(password, loginId)).toBe('CONTAINS_LOGIN_ID');
  });

  it('accepts a long passphrase that merely mentions the login id', () => {
    expect(passwordProblem('the new admin passphrase', 'admin')).toBeUndefined();
  });

  it.each([
    'password1234',
    'Password1234',
    'ＰＡＳＳＷＯＲＤ１２３４',
    'qwertyuiop12',
    '123456789012',
    'パスワード1234567',
    'aaaaaaaaaaaaaaaa',
    'abababababab',
  ])('refuses the common or repetitive %p', (password) => {
    expect(passwordProblem(password, 'sato')).toBe('TOO_COMMON');
  });
});
