import { signTransferRequest, TransferAuthErrorCode, verifyTransferRequest } from './transfer-auth';

describe('transfer request authentication', () => {
  const key = 'k'.repeat(32);
  const body = Buffer.from('{"updates":[]}');
  const now = 1_780_000_000_000;

  it('accepts a request signed with the shared key', () => {
    const headers = signTransferRequest(key, 'POST', '/transfer/v1/status', body, now);
    const sut = verifyTransferRequest(
      key,
      'POST',
      '/transfer/v1/status',
      headers,
      body,
      now + 1000,
    );
    expect(sut.timestamp).toBe(now);
    expect(sut.nonce).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['another key', 'x'.repeat(32), 'POST', '/transfer/v1/status', body],
    ['another method', key, 'GET', '/transfer/v1/status', body],
    ['another path', key, 'POST', '/transfer/v1/applications', body],
    ['a tampered body', key, 'POST', '/transfer/v1/status', Buffer.from('{"updates":[1]}')],
  ])('refuses %s', (_name, k, method, path, b) => {
    const headers = signTransferRequest(key, 'POST', '/transfer/v1/status', body, now);
    expect(() => verifyTransferRequest(k, method, path, headers, b, now)).toThrow(
      expect.objectContaining({ code: TransferAuthErrorCode.BadSignature }),
    );
  });

  it('refuses a stale request', () => {
    const headers = signTransferRequest(key, 'GET', '/x', undefined, now);
    expect(() =>
      verifyTransferRequest(key, 'GET', '/x', headers, new Uint8Array(), now + 6 * 60 * 1000),
    ).toThrow(expect.objectContaining({ code: TransferAuthErrorCode.Stale }));
  });

  it('refuses missing or malformed headers', () => {
    expect(() => verifyTransferRequest(key, 'GET', '/x', {}, new Uint8Array(), now)).toThrow(
      expect.objectContaining({ code: TransferAuthErrorCode.Missing }),
    );
    const headers = { ...signTransferRequest(key, 'GET', '/x', undefined, now) };
    headers['x-madoguchi-signature'] = 'zz';
    expect(() => verifyTransferRequest(key, 'GET', '/x', headers, new Uint8Array(), now)).toThrow(
      expect.objectContaining({ code: TransferAuthErrorCode.BadSignature }),
    );
  });
});
