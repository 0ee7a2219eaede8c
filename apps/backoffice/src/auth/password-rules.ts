export const MIN_PASSWORD_LENGTH = 12;

/** what must be left of a password once its login id is taken out */
const LOGIN_ID_REMAINDER = 8;

export type PasswordProblem = 'TOO_SHORT' | 'CONTAINS_LOGIN_ID' | 'TOO_COMMON';

/**
 * Passwords people pick first (lists of leaked passwords, Japanese ones included), at least 12 characters long or
 * made so by repeating; compared after the folding of `fold`. Short on purpose: the length rule does most of the work.
 */
const COMMON_PASSWORDS = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123456123456',
  '111111111111',
  '000000000000',
  '123123123123',
  '012345678901',
  'qwertyuiop12',
  'qwertyuiopas',
  'qwerty123456',
  '1qaz2wsx3edc',
  '1q2w3e4r5t6y',
  'asdfghjkl123',
  'zxcvbnm12345',
  'abcdefghijkl',
  'abc123abc123',
  'password1234',
  'password123!',
  'passw0rd1234',
  'p@ssw0rd1234',
  'p@ssword1234',
  'passwordpassword',
  'password12345',
  'iloveyou1234',
  'letmein12345',
  'welcome12345',
  'changeme1234',
  'administrator',
  'administrator1',
  'admin1234567',
  'adminadmin12',
  'superman1234',
  'sunshine1234',
  'princess1234',
  'football1234',
  'baseball1234',
  'dragon123456',
  'monkey123456',
  'trustno11234',
  'madoguchi123',
  'madoguchi1234',
  'pokemon12345',
  'doraemon1234',
  'sakura123456',
  'nihon1234567',
  'nippon123456',
  'tokyo1234567',
  'yamada123456',
  'tanaka123456',
  'suzuki123456',
  'satou1234567',
  'sato12345678',
  'aishiteru123',
  'arigatou1234',
  'konnichiwa12',
  'パスワード1234567',
  'ぱすわーど1234567',
]);

/** NFKC (full-width → half-width) and lower case: 'ＰＡＳＳＷＯＲＤ１２３４' is 'password1234'. */
const fold = (s: string): string => s.normalize('NFKC').toLowerCase();

/**
 * The rules a new staff password must meet (NIST SP 800-63B §5.1.1.2: length, no context words such as the login
 * id, no known-common passwords; no composition rules). Returns the first problem, or undefined.
 */
export function passwordProblem(password: string, loginId: string): PasswordProblem | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return 'TOO_SHORT';
  }
  const folded = fold(password);
  const id = fold(loginId.trim());
  // the login id itself, or the id with a few characters added ("tanaka2026!!"): guessed right after the id
  if (id.length > 0 && [...folded.split(id).join('')].length < LOGIN_ID_REMAINDER) {
    return 'CONTAINS_LOGIN_ID';
  }
  if (COMMON_PASSWORDS.has(folded) || new Set(folded).size <= 2) {
    return 'TOO_COMMON';
  }
  return undefined;
}
