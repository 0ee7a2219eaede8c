import { createHash } from 'node:crypto';
import {
  buildCanonicalDocument,
  CanonicalDocumentErrorCode,
  type CanonicalDocumentInput,
} from './canonical-document';

// Resolution only: jest's resolver uses the "require" condition, which canonicalize's export map lacks; the real
// package file runs (jest.config.js would better map it once for everyone).
jest.mock(
  'canonicalize',
  () => jest.requireActual<object>('../../../node_modules/canonicalize/lib/canonicalize.js'),
  { virtual: true },
);

const HASH = 'a'.repeat(64);

const input = (overrides: Partial<CanonicalDocumentInput> = {}): CanonicalDocumentInput => ({
  municipalityCode: '990019',
  formId: 'juminhyo',
  formVersion: 3,
  formSha256: HASH,
  answers: { 氏名: '窓口　花子', copies: 2, purpose: null, agree: true },
  attachments: [{ name: '本人確認.pdf', type: 'application/pdf', sha256: HASH }],
  nonce: 'n0nce',
  createdAt: new Date('2026-11-23T01:02:03.456Z'),
  ...overrides,
});

describe('buildCanonicalDocument', () => {
  it('writes RFC 8785 JSON: keys sorted by UTF-16 code units, no whitespace, UTF-8', async () => {
    const sut = await buildCanonicalDocument(input());

    expect(sut.bytes.toString('utf8')).toBe(
      '{"answers":{"agree":true,"copies":2,"purpose":null,"氏名":"窓口　花子"},' +
        '"attachments":[{"name":"本人確認.pdf","sha256":"' +
        HASH +
        '","type":"application/pdf"}],"createdAt":"2026-11-23T01:02:03.456Z",' +
        '"form":{"id":"juminhyo","sha256":"' +
        HASH +
        '","version":3},"format":"madoguchi-application/1","municipalityCode":"990019","nonce":"n0nce"}',
    );
    expect(sut.sha256).toBe(createHash('sha256').update(sut.bytes).digest('hex'));
    expect(JSON.parse(sut.bytes.toString('utf8'))).toEqual(sut.json);
  });

  it('gives the same bytes whatever the key order of the answers', async () => {
    const a = await buildCanonicalDocument(input({ answers: { b: 1, a: { y: [1, 'x'], x: 2 } } }));
    const b = await buildCanonicalDocument(input({ answers: { a: { x: 2, y: [1, 'x'] }, b: 1 } }));

    expect(a.bytes).toEqual(b.bytes);
  });

  it('serialises numbers as ECMAScript does (RFC 8785 §3.2.2.3)', async () => {
    const sut = await buildCanonicalDocument(input({ answers: { n: [1e21, 0.1, -0, 1.5e-7] } }));

    expect(sut.bytes.toString()).toContain('"n":[1e+21,0.1,0,1.5e-7]');
  });

  it('keeps characters outside the BMP (𠮷野家) and sorts keys by UTF-16 code units', async () => {
    const sut = await buildCanonicalDocument(input({ answers: { '\u{20BB7}': '𠮷野家', '\uFF21': 'Ａ' } }));

    // U+20BB7 is D842 DFB7 in UTF-16, so it sorts before U+FF21 though its code point is larger.
    expect(sut.bytes.toString('utf8')).toContain('{"𠮷":"𠮷野家","Ａ":"Ａ"}');
  });

  it('makes a fresh 128-bit nonce and the current time by default', async () => {
    const first = await buildCanonicalDocument(input({ nonce: undefined, createdAt: undefined }));
    const second = await buildCanonicalDocument(input({ nonce: undefined, createdAt: undefined }));

    expect(first.json.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(first.json.nonce).not.toBe(second.json.nonce);
    expect(Date.now() - Date.parse(first.json.createdAt)).toBeLessThan(5000);
  });

  it.each([
    ['a lone surrogate', { s: '\ud800' }],
    ['NaN', { n: Number.NaN }],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['undefined', { u: undefined }],
    ['a Date', { d: new Date() }],
    ['a Map', { m: new Map() }],
  ])('refuses answers with %s', async (_label, answers) => {
    await expect(buildCanonicalDocument(input({ answers }))).rejects.toMatchObject({
      code: CanonicalDocumentErrorCode.NotCanonicalizable,
    });
  });

  it.each([
    ['a bad municipality code', { municipalityCode: '12345' }],
    ['an upper-case form hash', { formSha256: HASH.toUpperCase() }],
    ['an attachment without a hash', { attachments: [{ name: 'a', type: 'b', sha256: '' }] }],
    ['an invalid date', { createdAt: new Date('x') }],
  ])('refuses %s', async (_label, overrides) => {
    await expect(buildCanonicalDocument(input(overrides))).rejects.toMatchObject({
      code: CanonicalDocumentErrorCode.NotCanonicalizable,
    });
  });
});
