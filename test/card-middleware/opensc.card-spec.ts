import { X509Certificate, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cm, issued, jlisCa, pemToDer, run, storedTriesLeft } from './card-middleware.env';

// OpenSC's own JPKI driver (card-jpki.c, pkcs15-jpki.c) against our virtual card, through pcscd and vpcd
// (CARD-MIDDLEWARE.md §3). Reader 0 is the card served by `virtual-card serve`.

const SIGN_TOKEN = 'JPKI (Digital Signature PIN)';
const AUTH_TOKEN = 'JPKI (User Authentication PIN)';

const pkcs15 = (...args: string[]) => run('pkcs15-tool', ['--reader', '0', '--no-cache', ...args]);
const pkcs11 = (...args: string[]) => run('pkcs11-tool', ['--module', cm.pkcs11Module, ...args]);

function serialOf(der: Buffer): string {
  return new X509Certificate(der).serialNumber.toUpperCase();
}

/** `pkcs15-tool --list-pins` → tries left per PIN label. */
function triesByLabel(listing: string): Record<string, number> {
  const tries: Record<string, number> = {};
  for (const block of listing.split(/\n(?=PIN \[)/)) {
    const label = /^PIN \[(.+)\]/m.exec(block)?.[1];
    const left = /Tries left\s*:\s*(\d+)/.exec(block)?.[1];
    if (label && left) {
      tries[label] = Number(left);
    }
  }
  return tries;
}

describe('OpenSC through pcscd and vpcd', () => {
  it('sees the card in the first virtual reader', async () => {
    const result = await run('opensc-tool', ['--list-readers']);
    expect(result.stdout).toMatch(/^0\s+Yes\s+Virtual PCD 00 00$/m);
  });

  it('opensc-tool -n names the card jpki (its JPKI driver took it)', async () => {
    const result = await run('opensc-tool', ['--reader', '0', '--name']);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout.trim()).toBe('jpki');
  });

  it('pkcs15-tool --list-certificates lists the four JPKI certificates with their EFs and IDs', async () => {
    const result = await pkcs15('--list-certificates');
    expect(result.code).toBe(0);
    const blocks = result.stdout.split(/\n(?=X\.509 Certificate \[)/).map((block) => ({
      label: /\[(.+)\]/.exec(block)?.[1],
      path: /Path\s*:\s*(\S+)/.exec(block)?.[1],
      id: /ID\s*:\s*(\S+)/.exec(block)?.[1],
      serial: /Encoded serial\s*:\s*02 \S+ (\S+)/.exec(block)?.[1],
    }));
    expect(blocks).toEqual([
      {
        label: 'User Authentication Certificate',
        path: '000a',
        id: '01',
        serial: serialOf(issued('authCert')),
      },
      // JPKI.md §1.1: reading EF 0001 needs the signing password, so OpenSC lists it without its serial.
      { label: 'Digital Signature Certificate', path: '0001', id: '02', serial: undefined },
      {
        label: 'User Authentication Certificate CA',
        path: '000b',
        id: '03',
        serial: serialOf(issued('authCa')),
      },
      {
        label: 'Digital Signature Certificate CA',
        path: '0002',
        id: '04',
        serial: serialOf(issued('signCa')),
      },
    ]);
  });

  async function readCertificate(id: string, ...login: string[]): Promise<Buffer> {
    const out = join(cm.workDir, `opensc-cert-${id}.pem`);
    const result = await pkcs15('--read-certificate', id, ...login, '--output', out);
    expect(result).toMatchObject({ code: 0 });
    return pemToDer(readFileSync(out, 'utf8'));
  }

  it('pkcs15-tool --read-certificate 01 returns byte for byte the authentication certificate the J-LIS issued', async () => {
    const der = await readCertificate('01');
    expect(der.equals(issued('authCert'))).toBe(true);
    const certificate = new X509Certificate(der);
    expect(certificate.serialNumber.toUpperCase()).toBe(cm.authSerial.toUpperCase());
    expect(certificate.verify(new X509Certificate(jlisCa('auth-ca')).publicKey)).toBe(true);
  });

  it.each([
    ['03', 'authCa', 'auth-ca'],
    ['04', 'signCa', 'sign-ca'],
  ] as const)(
    'pkcs15-tool --read-certificate %s returns byte for byte the J-LIS %s',
    async (id, name, jlisName) => {
      const der = await readCertificate(id);
      expect(der.equals(issued(name))).toBe(true);
      expect(der.equals(jlisCa(jlisName))).toBe(true);
    },
  );

  it('pkcs15-tool --read-certificate 02 after verifying the signing password returns the signing certificate as issued', async () => {
    const der = await readCertificate(
      '02',
      '--verify-pin',
      '--auth-id',
      '02',
      '--pin',
      cm.signPassword,
    );
    expect(der.equals(issued('signCert'))).toBe(true);
    const certificate = new X509Certificate(der);
    expect(certificate.serialNumber.toUpperCase()).toBe(cm.signSerial.toUpperCase());
    expect(certificate.verify(new X509Certificate(jlisCa('sign-ca')).publicKey)).toBe(true);
  });

  it('a wrong signing password through OpenSC costs exactly one try on our card, and OpenSC reports it', async () => {
    const before = storedTriesLeft().sign;
    expect(before).toBeGreaterThan(1);
    const result = await pkcs11(
      '--token-label',
      SIGN_TOKEN,
      '--login',
      '--pin',
      'WRONG9999',
      '--list-objects',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('CKR_PIN_INCORRECT');
    expect(storedTriesLeft().sign).toBe(before - 1);
    // CARD-MIDDLEWARE.md §3.3: OpenSC reads the counter with an empty VERIFY (63Cx), which costs nothing.
    const pins = await pkcs15('--list-pins');
    expect(triesByLabel(pins.stdout)).toEqual({
      'User Authentication PIN': storedTriesLeft().auth,
      'Digital Signature PIN': before - 1,
    });
    expect(storedTriesLeft().sign).toBe(before - 1);
  });

  it('a signature made by pkcs11-tool with the signing password verifies with the signing certificate', async () => {
    const message = Buffer.from('窓口 電子申請 card-middleware conformance\n', 'utf8');
    const input = join(cm.workDir, 'message.txt');
    const output = join(cm.workDir, 'message.sig');
    writeFileSync(input, message);
    const result = await pkcs11(
      '--token-label',
      SIGN_TOKEN,
      '--login',
      '--pin',
      cm.signPassword,
      '--sign',
      '--id',
      '02',
      '--mechanism',
      'SHA256-RSA-PKCS',
      '--input-file',
      input,
      '--output-file',
      output,
    );
    expect(result).toMatchObject({ code: 0 });
    const signature = readFileSync(output);
    expect(signature).toHaveLength(256);
    const publicKey = new X509Certificate(issued('signCert')).publicKey;
    expect(verify('sha256', message, publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('tampered'), publicKey, signature)).toBe(false);
    // JPKI.md §2: a correct VERIFY resets the counter.
    expect(storedTriesLeft().sign).toBe(5);
    // The same check with openssl, as the design document did it.
    const pub = join(cm.workDir, 'sign-cert.pub.pem');
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    const openssl = await run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      pub,
      '-signature',
      output,
      input,
    ]);
    expect(openssl.stdout.trim()).toBe('Verified OK');
  });

  it('a signature with the authentication key (PIN) verifies with the authentication certificate', async () => {
    const message = Buffer.from('login challenge 2026-11-23', 'utf8');
    const input = join(cm.workDir, 'challenge.bin');
    const output = join(cm.workDir, 'challenge.sig');
    writeFileSync(input, message);
    const result = await pkcs11(
      '--token-label',
      AUTH_TOKEN,
      '--login',
      '--pin',
      cm.authPin,
      '--sign',
      '--id',
      '01',
      '--mechanism',
      'SHA256-RSA-PKCS',
      '--input-file',
      input,
      '--output-file',
      output,
    );
    expect(result).toMatchObject({ code: 0 });
    expect(
      verify(
        'sha256',
        message,
        new X509Certificate(issued('authCert')).publicKey,
        readFileSync(output),
      ),
    ).toBe(true);
  });
});
