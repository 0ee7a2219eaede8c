import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { JpkiProfileError, parseJpkiSigningCertificate } from './jpki-certificate-profile';
import { JlisErrorCode } from './jlis.error';
import { rsaSpki, run, tempDir } from './jlis.test-helpers';
import { SimulatedJlis, type IssuedCard } from './simulated-jlis';
import { toPem } from './x509';

jest.setTimeout(60_000);

const resident = {
  name: '山田　花子',
  address: '東京都清瀬市中里５丁目８４２番地',
  birthdate: '19800217',
  sex: '2' as const,
};

describe('SimulatedJlis issuance', () => {
  let dir: string;
  let sut: SimulatedJlis;
  let card: IssuedCard;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    dir = await tempDir();
    sut = await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:3002' });
    card = await sut.issueCard({
      ...resident,
      signPublicKey: rsaSpki(),
      authPublicKey: rsaSpki(),
      issuedAt: new Date('2025-10-27T01:00:00Z'),
    });
    const anchors = sut.trustAnchors();
    const write = async (name: string, data: Buffer | string): Promise<void> => {
      files[name] = join(dir, name);
      await fs.writeFile(files[name], data);
    };
    await write('sign.der', card.signCert);
    await write('auth.der', card.authCert);
    await write('sign.pem', toPem(card.signCert));
    await write('auth.pem', toPem(card.authCert));
    await write('root.pem', toPem(anchors.root));
    await write('sign-ca.pem', toPem(anchors.signCa));
    await write('auth-ca.pem', toPem(anchors.authCa));
    await write('sign-ocsp.pem', toPem(anchors.signOcspResponder));
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('issues a signing certificate that parses back to the same basic four', () => {
    const parsed = parseJpkiSigningCertificate(card.signCert);

    expect(parsed).toMatchObject({ ...resident, serial: card.signSerial, birthEra: 3 });
    expect(parsed.issuer).toBe(
      'C=JP, O=JPKI-TEST, OU=TEST JPKI for digital signature, ' +
        'OU=Simulated Japan Agency for Local Authority Information Systems (madoguchi test)',
    );
    expect(parsed.subject).toMatch(
      /^C=JP, L=Tokyo-to, L=Madoguchi-test-shi, CN=TEST[0-9A-Z]{12}251027A$/,
    );
    expect(parsed.hasSubstituteCharacters).toBe(false);
  });

  it('ends both certificates on the 5th birthday after issue, 23:59:59 JST', () => {
    const parsed = parseJpkiSigningCertificate(card.signCert);

    expect(parsed.notBefore.toISOString()).toBe('2025-10-27T01:00:00.000Z');
    expect(parsed.notAfter.toISOString()).toBe('2030-02-17T14:59:59.000Z');
  });

  it('keeps personal details out of the authentication certificate', async () => {
    const text = await run('openssl', [
      'x509',
      '-inform',
      'DER',
      '-in',
      files['auth.der'],
      '-text',
      '-noout',
    ]);

    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain('othername');
    expect(text.stdout).toMatch(/Subject: C ?= ?JP, CN ?= ?TEST/);
    expect(text.stdout).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\s*\n/);
    expect(text.stdout).toMatch(
      /X509v3 Certificate Policies: critical\s+Policy: 1\.2\.392\.200149\.8\.5\.1\.3\.30/,
    );
    expect(() => parseJpkiSigningCertificate(card.authCert)).toThrow(JpkiProfileError);
  });

  it('writes a signing certificate that openssl reads with the JPKI extensions', async () => {
    const text = await run('openssl', [
      'x509',
      '-inform',
      'DER',
      '-in',
      files['sign.der'],
      '-text',
      '-noout',
    ]);

    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /X509v3 Certificate Policies: critical\s+Policy: 1\.2\.392\.200149\.8\.5\.1\.0\.20\s+CPS: http:\/\/127\.0\.0\.1:3002\/cps/,
    );
    expect(text.stdout).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(text.stdout.match(/othername:/gi)).toHaveLength(6);
    expect(text.stdout).toContain('URI:http://127.0.0.1:3002/crl/sign.crl');
    expect(text.stdout).toContain('OCSP - URI:http://127.0.0.1:3002/ocsp');
    expect(text.stdout).toMatch(/Issuer Alternative Name:\s*\n\s+DirName:\/C=JP\/O=\\xE5/);
  });

  it('encodes the six otherNames in J-LIS order with their values', async () => {
    const text = await run('openssl', [
      'x509',
      '-inform',
      'DER',
      '-in',
      files['sign.der'],
      '-text',
      '-noout',
    ]);
    const otherNames = [...text.stdout.matchAll(/othername: ([\d.]+)::([^,\n]*)/g)].map((m) => [
      m[1],
      m[2],
    ]);

    expect(otherNames).toEqual([
      ['1.2.392.200149.8.5.5.1', '山田　花子'],
      ['1.2.392.200149.8.5.5.4', '319800217'],
      ['1.2.392.200149.8.5.5.3', '2'],
      ['1.2.392.200149.8.5.5.5', '東京都清瀬市中里５丁目８４２番地'],
      ['1.2.392.200149.8.5.5.2', '00000'],
      ['1.2.392.200149.8.5.5.6', '0'.repeat(16)],
    ]);
  });

  it('reads every CA certificate with openssl and marks them as test CAs', async () => {
    for (const name of ['root.pem', 'sign-ca.pem', 'auth-ca.pem', 'sign-ocsp.pem']) {
      const text = await run('openssl', ['x509', '-in', files[name], '-text', '-noout']);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('O = JPKI-TEST');
      expect(text.stdout).toContain('madoguchi test');
    }
    const ca = await run('openssl', ['x509', '-in', files['sign-ca.pem'], '-text', '-noout']);
    expect(ca.stdout).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(ca.stdout).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    const responder = await run('openssl', [
      'x509',
      '-in',
      files['sign-ocsp.pem'],
      '-text',
      '-noout',
    ]);
    expect(responder.stdout).toMatch(/Extended Key Usage:\s+OCSP Signing/);
    expect(responder.stdout).toContain('OCSP No Check');
  });

  it('chains both certificates to the root with openssl verify', async () => {
    const sign = await run('openssl', [
      'verify',
      '-CAfile',
      files['root.pem'],
      '-untrusted',
      files['sign-ca.pem'],
      files['sign.pem'],
    ]);
    const auth = await run('openssl', [
      'verify',
      '-CAfile',
      files['root.pem'],
      '-untrusted',
      files['auth-ca.pem'],
      files['auth.pem'],
    ]);
    const wrongCa = await run('openssl', [
      'verify',
      '-CAfile',
      files['root.pem'],
      '-untrusted',
      files['auth-ca.pem'],
      files['sign.pem'],
    ]);

    expect(sign).toMatchObject({ code: 0, stdout: expect.stringContaining(': OK') });
    expect(auth).toMatchObject({ code: 0, stdout: expect.stringContaining(': OK') });
    expect(wrongCa.code).not.toBe(0);
  });

  it('keeps its hierarchy and index when the directory is reopened', async () => {
    const reopened = await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:3002' });

    expect(reopened.trustAnchors().root.equals(sut.trustAnchors().root)).toBe(true);
    await expect(reopened.list()).resolves.toEqual(
      expect.arrayContaining([
        expect.objectContaining({ serial: card.signSerial, kind: 'sign' }),
        expect.objectContaining({ serial: card.authSerial, kind: 'auth' }),
      ]),
    );
  });

  it('refuses keys that are not RSA-2048 SPKI and bad details', async () => {
    const base = { ...resident, authPublicKey: rsaSpki() };

    await expect(
      sut.issueCard({ ...base, signPublicKey: Buffer.from('nope') }),
    ).rejects.toMatchObject({
      code: JlisErrorCode.BadPublicKey,
    });
    await expect(
      sut.issueCard({ ...base, signPublicKey: rsaSpki(), birthdate: '19800230' }),
    ).rejects.toThrow('birth date');
    await expect(
      sut.issueCard({
        ...base,
        signPublicKey: rsaSpki(),
        issuedAt: new Date('2020-01-01T00:00:00Z'),
        birthdate: '20200102',
      }),
    ).rejects.toThrow('after the issue date');
  });
});
