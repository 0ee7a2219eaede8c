import { execFileSync } from 'node:child_process';
import { newTotpSecret, totpUri, verifyTotp } from './totp';

/** Debian's oathtool: an implementation of RFC 6238 independent of otplib. */
function oathtool(secret: string, at: Date): string {
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', at.toISOString()], {
    encoding: 'utf8',
  }).trim();
}

describe('TOTP (RFC 6238)', () => {
  const at = new Date('2026-04-01T09:00:10Z');
  const step = Math.floor(at.getTime() / 1000 / 30);

  it('matches the RFC 6238 appendix B vector (SHA-1, T = 59 s → 94287082, last 6 digits)', () => {
    // the RFC's key is the ASCII "12345678901234567890", base32 below
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(verifyTotp(secret, '287082', null, new Date(59_000))).toBe(1);
  });

  it('accepts the code oathtool computes, and one step either side, nothing further', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(verifyTotp(secret, oathtool(secret, at), null, at)).toBe(step);
    expect(verifyTotp(secret, oathtool(secret, new Date(at.getTime() - 30_000)), null, at)).toBe(
      step - 1,
    );
    expect(verifyTotp(secret, oathtool(secret, new Date(at.getTime() + 30_000)), null, at)).toBe(
      step + 1,
    );
    expect(
      verifyTotp(secret, oathtool(secret, new Date(at.getTime() - 90_000)), null, at),
    ).toBeUndefined();
  });

  it('refuses a code of a step already used (replay), and an earlier one', () => {
    const secret = newTotpSecret();
    const code = oathtool(secret, at);
    expect(verifyTotp(secret, code, step, at)).toBeUndefined();
    expect(
      verifyTotp(secret, oathtool(secret, new Date(at.getTime() - 30_000)), step, at),
    ).toBeUndefined();
    expect(verifyTotp(secret, oathtool(secret, new Date(at.getTime() + 30_000)), step, at)).toBe(
      step + 1,
    );
  });

  it('takes full-width digits and spaces, refuses anything else without throwing', () => {
    const secret = newTotpSecret();
    const code = oathtool(secret, at);
    const wide = `${code.slice(0, 3)} ${code.slice(3)}`.replace(/[0-9]/g, (d) =>
      String.fromCharCode(d.charCodeAt(0) + 0xfee0),
    );
    expect(verifyTotp(secret, wide, null, at)).toBe(step);
    for (const bad of [
      '',
      '12345',
      '1234567',
      'abcdef',
      String((Number(code) + 1) % 1e6).padStart(6, '0'),
    ]) {
      expect(verifyTotp(secret, bad, null, at)).toBeUndefined();
    }
    expect(verifyTotp('not base32!', code, null, at)).toBeUndefined();
  });

  it('puts issuer, account and secret in the otpauth:// URI', () => {
    const uri = new URL(totpUri('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', '窓口 まどぐち市', 'sato'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    expect(uri.searchParams.get('issuer')).toBe('窓口 まどぐち市');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/窓口 まどぐち市:sato');
  });
});
