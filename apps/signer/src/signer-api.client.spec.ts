import { parseSession } from './signer-api.client';
import { SignerErrorCode } from './signer.error';

const SIGN = {
  kind: 'sign',
  status: 'open',
  expiresAt: '2026-11-23T10:10:00.000Z',
  municipality: { code: '990019', name: { ja: '窓口市', en: 'Madoguchi City' } },
  form: { id: 'test-signed', title: { ja: '証明書の交付申請' } },
  summary: [{ label: { ja: '使用目的' }, value: '<b>年金</b>の手続き' }],
  document: { sha256: 'AB'.repeat(32), size: 120 },
};

describe('parseSession', () => {
  it('keeps every summary line and falls back to Japanese where English is missing', () => {
    const sut = parseSession(SIGN);

    expect(sut.summary).toEqual([
      { label: { ja: '使用目的', en: '使用目的' }, value: '<b>年金</b>の手続き' },
    ]);
    expect(sut.form.title).toEqual({ ja: '証明書の交付申請', en: '証明書の交付申請' });
    expect(sut.document).toEqual({ sha256: 'ab'.repeat(32), size: 120 });
  });

  it('keeps only known card-face items, in a fixed order', () => {
    const sut = parseSession({
      ...SIGN,
      kind: 'cardface',
      requested: ['sex', 'myNumber', 'name'],
      summary: undefined,
      document: undefined,
    });

    expect(sut.requested).toEqual(['name', 'sex']);
  });

  it.each([
    ['not an object', 'hello'],
    ['an unknown kind', { ...SIGN, kind: 'pay' }],
    ['an unknown status', { ...SIGN, status: 'weird' }],
    ['no form', { ...SIGN, form: undefined }],
    ['a signing session without a document', { ...SIGN, document: undefined }],
    [
      'a document digest that is not SHA-256 hex',
      { ...SIGN, document: { sha256: 'xyz', size: 1 } },
    ],
    ['a summary line without a value', { ...SIGN, summary: [{ label: { ja: 'a' } }] }],
    ['a signing session without a summary', { ...SIGN, summary: undefined }],
  ])('refuses %s', (_label, body) => {
    expect(() => parseSession(body)).toThrow(
      expect.objectContaining({ code: SignerErrorCode.PortalProtocol }),
    );
  });
});
