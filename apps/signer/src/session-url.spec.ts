import { toSessionApiUrl } from './session-url';
import { SignerErrorCode } from './signer.error';

const TOKEN = 'q3Hk1v9ZxY2mN5pL0aB7cD';
const API = `https://portal.example.jp/api/signer/v1/sessions/${TOKEN}`;

describe('toSessionApiUrl', () => {
  it.each([
    ['the fallback page URL', `https://portal.example.jp/s/${TOKEN}`],
    ['the deep link', `madoguchi-signer://session?url=${encodeURIComponent(API)}`],
    ['the session API URL', API],
    ['the session API URL with a trailing slash and spaces', `  ${API}/ `],
  ])('derives the session API URL from %s', (_label, input) => {
    const sut = toSessionApiUrl(input);

    expect(sut.href).toBe(API);
  });

  it('keeps a path prefix the portal is mounted under', () => {
    const sut = toSessionApiUrl(`https://city.example.jp/madoguchi/s/${TOKEN}`);

    expect(sut.href).toBe(`https://city.example.jp/madoguchi/api/signer/v1/sessions/${TOKEN}`);
  });

  it('accepts http:// on loopback only, unless insecure http is allowed', () => {
    expect(toSessionApiUrl(`http://127.0.0.1:3000/s/${TOKEN}`).href).toBe(
      `http://127.0.0.1:3000/api/signer/v1/sessions/${TOKEN}`,
    );
    expect(() => toSessionApiUrl(`http://portal.example.jp/s/${TOKEN}`)).toThrow(
      expect.objectContaining({ code: SignerErrorCode.InvalidUrl }),
    );
    expect(
      toSessionApiUrl(`http://portal.lan/s/${TOKEN}`, { isInsecureHttpAllowed: true }).href,
    ).toBe(`http://portal.lan/api/signer/v1/sessions/${TOKEN}`);
  });

  it.each([
    ['empty', ''],
    ['not a URL', 'hello world'],
    ['another scheme', `ftp://portal.example.jp/s/${TOKEN}`],
    ['javascript', `javascript:alert(1)//s/${TOKEN}`],
    ['no token', 'https://portal.example.jp/s/'],
    ['a short token', 'https://portal.example.jp/s/abc'],
    ['a token with junk', `https://portal.example.jp/s/${TOKEN}%3Cscript%3E`],
    ['a nested token path', `https://portal.example.jp/s/${TOKEN}/extra`],
    ['an unrelated page', 'https://portal.example.jp/forms/juminhyo'],
    ['credentials in the URL', `https://user:pw@portal.example.jp/s/${TOKEN}`],
    ['a deep link without url', 'madoguchi-signer://session'],
    ['a deep link to another host kind', `madoguchi-signer://other?url=${encodeURIComponent(API)}`],
    [
      'a deep link to a non-session URL',
      `madoguchi-signer://session?url=${encodeURIComponent('https://evil.example/x')}`,
    ],
    [
      'a deep link carrying the fallback page',
      `madoguchi-signer://session?url=${encodeURIComponent(`https://portal.example.jp/s/${TOKEN}`)}`,
    ],
  ])('refuses %s', (_label, input) => {
    expect(() => toSessionApiUrl(input)).toThrow(
      expect.objectContaining({ code: SignerErrorCode.InvalidUrl }),
    );
  });
});
