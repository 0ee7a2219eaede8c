import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { JlisErrorCode } from './jlis.error';
import type { JlisHttpServer } from './jlis-http.server';
import { rsaSpki, run, tempDir } from './jlis.test-helpers';
import { SimulatedJlis, type IssuedCard } from './simulated-jlis';
import { toPem } from './x509';

jest.setTimeout(60_000);

const resident = {
  name: '佐藤　一郎',
  address: '大阪府大阪市北区中之島１丁目３番２０号',
  birthdate: '19900102',
  sex: '1' as const,
};

describe('SimulatedJlis revocation: CRL and OCSP over HTTP', () => {
  let dir: string;
  let sut: SimulatedJlis;
  let server: JlisHttpServer;
  let card: IssuedCard;
  let other: IssuedCard;
  const files: Record<string, string> = {};

  const ocsp = (certFile: string, issuerFile: string, extra: string[] = []) =>
    run('openssl', [
      'ocsp',
      '-issuer',
      files[issuerFile],
      '-cert',
      files[certFile],
      '-url',
      `${server.url}/ocsp`,
      '-CAfile',
      files['root.pem'],
      '-resp_text',
      ...extra,
    ]);

  beforeAll(async () => {
    dir = await tempDir();
    sut = await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:3002' });
    server = await sut.listen(0, '127.0.0.1');
    card = await sut.issueCard({ ...resident, signPublicKey: rsaSpki(), authPublicKey: rsaSpki() });
    other = await sut.issueCard({
      ...resident,
      signPublicKey: rsaSpki(),
      authPublicKey: rsaSpki(),
    });
    const anchors = sut.trustAnchors();
    for (const [name, der] of Object.entries({
      'sign.pem': card.signCert,
      'auth.pem': card.authCert,
      'other-sign.pem': other.signCert,
      'root.pem': anchors.root,
      'sign-ca.pem': anchors.signCa,
      'auth-ca.pem': anchors.authCa,
    })) {
      files[name] = join(dir, name);
      await fs.writeFile(files[name], toPem(der));
    }
    files['sign-chain.pem'] = join(dir, 'sign-chain.pem');
    await fs.writeFile(files['sign-chain.pem'], anchors.signChainPem);
  });

  afterAll(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers good, then revoked with reason and time after revoke, echoing the nonce', async () => {
    const before = await ocsp('sign.pem', 'sign-ca.pem');

    expect(before.code).toBe(0);
    expect(before.stderr).toMatch(/Response verify OK/);
    expect(before.stdout).toMatch(/sign\.pem: good/);
    expect(before.stdout).toMatch(/OCSP Nonce:\s*\n\s+04[0-9A-F]+/);
    expect(before.stderr + before.stdout).not.toMatch(/nonce verify error|WARNING: no nonce/i);

    const revoked = await sut.revoke(card.signSerial, 'superseded');
    const after = await ocsp('sign.pem', 'sign-ca.pem');

    expect(revoked).toMatchObject({
      serial: card.signSerial,
      revocation: { reason: 'superseded' },
    });
    expect(after.stderr).toMatch(/Response verify OK/);
    expect(after.stdout).toMatch(/sign\.pem: revoked/);
    expect(after.stdout).toMatch(/Reason: superseded/);
    expect(after.stdout).toMatch(/Revocation Time: \w+ +\d+ \d\d:\d\d:\d\d \d{4} GMT/);
  });

  it('keeps the authentication certificate good when only the signing one is revoked (a move)', async () => {
    const auth = await ocsp('auth.pem', 'auth-ca.pem');

    expect(auth.stderr).toMatch(/Response verify OK/);
    expect(auth.stdout).toMatch(/auth\.pem: good/);
    expect(auth.stdout).toContain('TEST OCSP Responder');
  });

  it('answers unknown for a serial it never issued', async () => {
    const unknown = await run('openssl', [
      'ocsp',
      '-issuer',
      files['sign-ca.pem'],
      '-serial',
      '0x0123456789ABCDEF',
      '-url',
      `${server.url}/ocsp`,
      '-CAfile',
      files['root.pem'],
    ]);

    expect(unknown.stderr).toMatch(/Response verify OK/);
    expect(unknown.stdout).toMatch(/0x0123456789ABCDEF: unknown/);
  });

  it('serves a signed CRL that openssl verifies and that lists the revoked serial with its reason', async () => {
    await sut.revoke(other.signSerial, 'keyCompromise');
    const response = await fetch(`${server.url}/crl/sign.crl`);
    const crlFile = join(dir, 'sign.crl');
    await fs.writeFile(crlFile, Buffer.from(await response.arrayBuffer()));

    const text = await run('openssl', [
      'crl',
      '-inform',
      'DER',
      '-in',
      crlFile,
      '-CAfile',
      files['sign-chain.pem'],
      '-noout',
      '-text',
    ]);

    expect(response.headers.get('content-type')).toBe('application/pkix-crl');
    expect(text.stderr).toContain('verify OK');
    expect(text.stdout).toMatch(/Last Update: .*GMT\s+Next Update: .*GMT/);
    expect(text.stdout).toContain(`Serial Number: ${card.signSerial}`);
    expect(text.stdout).toMatch(
      new RegExp(
        `Serial Number: ${card.signSerial}\\s+Revocation Date: .*\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Superseded`,
      ),
    );
    expect(text.stdout).toMatch(
      new RegExp(`Serial Number: ${other.signSerial}[\\s\\S]*?Key Compromise`),
    );
    expect(text.stdout).toContain('X509v3 CRL Number');
  });

  it('makes openssl verify -crl_check_all fail for the revoked certificate and pass for a good one', async () => {
    const crlsPem = join(dir, 'crls.pem');
    let pem = '';
    for (const kind of ['sign', 'root']) {
      const response = await fetch(`${server.url}/crl/${kind}.crl`);
      const der = Buffer.from(await response.arrayBuffer());
      pem += toPem(der, 'X509 CRL');
    }
    await fs.writeFile(crlsPem, pem);
    const verify = (certFile: string) =>
      run('openssl', [
        'verify',
        '-crl_check_all',
        '-CAfile',
        files['root.pem'],
        '-untrusted',
        files['sign-ca.pem'],
        '-CRLfile',
        crlsPem,
        files[certFile],
      ]);
    const fresh = await sut.issueCard({
      ...resident,
      signPublicKey: rsaSpki(),
      authPublicKey: rsaSpki(),
    });
    files['fresh.pem'] = join(dir, 'fresh.pem');
    await fs.writeFile(files['fresh.pem'], toPem(fresh.signCert));

    await expect(verify('sign.pem')).resolves.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('certificate revoked'),
    });
    await expect(verify('fresh.pem')).resolves.toMatchObject({ code: 0 });
  });

  it('answers an RFC 6960 GET request (base64 in the path) like a POST', async () => {
    const requestFile = join(dir, 'request.der');
    const responseFile = join(dir, 'response.der');
    await run('openssl', [
      'ocsp',
      '-issuer',
      files['auth-ca.pem'],
      '-cert',
      files['auth.pem'],
      '-no_nonce',
      '-reqout',
      requestFile,
    ]);
    const encoded = encodeURIComponent((await fs.readFile(requestFile)).toString('base64'));
    const response = await fetch(`${server.url}/ocsp/${encoded}`);
    await fs.writeFile(responseFile, Buffer.from(await response.arrayBuffer()));

    const text = await run('openssl', ['ocsp', '-respin', responseFile, '-resp_text', '-noverify']);

    expect(text.stdout).toContain('Cert Status: good');
  });

  it('answers a malformed OCSP request with malformedRequest, never a crash', async () => {
    for (const body of [
      Buffer.alloc(0),
      Buffer.from('not der'),
      Buffer.from([0x30, 0x82, 0xff, 0xff, 0x01]),
    ]) {
      const response = await fetch(`${server.url}/ocsp`, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request' },
        body,
      });
      const der = Buffer.from(await response.arrayBuffer());

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/ocsp-response');
      expect(der.toString('hex')).toBe('30030a0101');
    }
    const still = await ocsp('auth.pem', 'auth-ca.pem');
    expect(still.stdout).toMatch(/auth\.pem: good/);
  });

  it('answers unauthorized for a CA it does not serve', async () => {
    const answer = await run('openssl', [
      'ocsp',
      '-issuer',
      files['root.pem'],
      '-cert',
      files['sign-ca.pem'],
      '-url',
      `${server.url}/ocsp`,
      '-CAfile',
      files['root.pem'],
    ]);

    expect(answer.stdout + answer.stderr).toMatch(/Responder Error: unauthorized \(6\)/);
  });

  it('serves the CA certificates and 404 elsewhere', async () => {
    const root = await fetch(`${server.url}/ca/root.cer`);
    const missing = await fetch(`${server.url}/ca/nope.cer`);

    expect(Buffer.from(await root.arrayBuffer()).equals(sut.trustAnchors().root)).toBe(true);
    expect(missing.status).toBe(404);
    await expect((await fetch(`${server.url}/cps`)).text()).resolves.toContain('TEST');
  });

  it('keeps revocations when the directory is reopened', async () => {
    const reopened = await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:3002' });

    await expect(reopened.statusOf(card.signSerial)).resolves.toMatchObject({
      status: 'revoked',
      reason: 'superseded',
    });
    await expect(reopened.statusOf(card.authSerial)).resolves.toEqual({ status: 'good' });
    await expect(reopened.revoke(card.signSerial, 'superseded')).rejects.toMatchObject({
      code: JlisErrorCode.AlreadyRevoked,
    });
    await expect(reopened.revoke('7F00', 'superseded')).rejects.toMatchObject({
      code: JlisErrorCode.UnknownSerial,
    });
    await expect(reopened.revoke(card.authSerial, 'moved' as never)).rejects.toMatchObject({
      code: JlisErrorCode.BadReason,
    });
  });
});
