import { generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedJlis, type IssuedCard, type JlisHttpServer } from '@madoguchi/virtual-card';
import fc from 'fast-check';
import { ParsedCertificate } from './certificate';
import { children, parseDer } from './der';
import { HttpRevocationSource } from './http-revocation.source';

jest.setTimeout(60_000);

const spki = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    format: 'der',
    type: 'spki',
  });

async function serve(
  handler: (body: Buffer, path: string) => Buffer | undefined | Promise<Buffer | undefined>,
): Promise<{ url: string; server: Server; hits: () => number }> {
  let count = 0;
  const server = createServer((request, response) => {
    count++;
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      void Promise.resolve(handler(Buffer.concat(chunks), request.url ?? '/')).then((body) => {
        if (body) {
          response.writeHead(200);
          response.end(body);
        }
        // undefined: never answer (a hanging responder)
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    hits: () => count,
  };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('HttpRevocationSource against the simulated J-LIS over HTTP', () => {
  let dir: string;
  let otherDir: string;
  let jlis: SimulatedJlis;
  let other: SimulatedJlis;
  let http: JlisHttpServer;
  let signCa: Buffer;
  let holder: IssuedCard;
  let neighbour: IssuedCard;

  const issue = () =>
    jlis.issueCard({
      name: '試験　次郎',
      address: '大阪府大阪市北区中之島１丁目',
      birthdate: '19851010',
      sex: '1',
      signPublicKey: spki(),
      authPublicKey: spki(),
    });

  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'pki-revocation-'));
    otherDir = await fs.mkdtemp(join(tmpdir(), 'pki-revocation-other-'));
    http = await (await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:1' })).listen(0);
    jlis = await SimulatedJlis.open(dir, { baseUrl: http.url });
    other = await SimulatedJlis.open(otherDir);
    signCa = jlis.trustAnchors().signCa;
    holder = await issue();
    neighbour = await issue();
  });

  afterAll(async () => {
    await http.close();
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(otherDir, { recursive: true, force: true });
  });

  it('finds the OCSP URL in the AIA and answers good, with the response as evidence', async () => {
    const sut = new HttpRevocationSource();

    const result = await sut.check(holder.signCert, signCa);

    expect(result).toMatchObject({ status: 'good', source: 'ocsp' });
    expect(result.nextUpdate!.getTime()).toBeGreaterThan(Date.now());
    expect(result.evidence.ocspResponses[0][0]).toBe(0x30);
  });

  it('caches until nextUpdate, and asks again after it', async () => {
    const proxy = await serve((body) => jlis.respondOcsp(body));
    let clock = new Date();
    const sut = new HttpRevocationSource({
      ocspUrl: proxy.url,
      isCrlEnabled: false,
      now: () => clock,
    });
    try {
      await sut.check(holder.signCert, signCa);
      await sut.check(holder.signCert, signCa);
      expect(proxy.hits()).toBe(1);

      clock = new Date(Date.now() + 2 * 3_600_000);
      const later = await sut.check(holder.signCert, signCa);

      expect(proxy.hits()).toBe(2);
      // The simulated J-LIS signs with the real clock, so its fresh answer is stale for this clock.
      expect(later.status).toBe('unavailable');
      expect(later.attempts[0].reason).toContain('stale');
    } finally {
      await close(proxy.server);
    }
  });

  it('without the cache (a re-check) every check asks again, and a revocation shows at once', async () => {
    const card = await issue();
    const ocsp = await serve((body) => jlis.respondOcsp(body));
    const sut = new HttpRevocationSource({
      ocspUrl: ocsp.url,
      isCrlEnabled: false,
      isCacheUsed: false,
    });
    try {
      await expect(sut.check(card.signCert, signCa)).resolves.toMatchObject({ status: 'good' });
      await jlis.revoke(card.signSerial, 'superseded');
      await expect(sut.check(card.signCert, signCa)).resolves.toMatchObject({
        status: 'revoked',
        reason: 'superseded',
      });
      expect(ocsp.hits()).toBe(2);
    } finally {
      await close(ocsp.server);
    }
  });

  it('an answer whose signature was altered is rejected', async () => {
    const tamperer = await serve(async (body) => {
      const response = Buffer.from(await jlis.respondOcsp(body));
      const [, bytes] = children(parseDer(response));
      const basic = parseDer(children(children(bytes)[0])[1].content);
      const signature = children(basic)[2].content;
      response[response.indexOf(signature) + signature.length - 1] ^= 0x01;
      return response;
    });
    try {
      const sut = new HttpRevocationSource({ ocspUrl: tamperer.url, isCrlEnabled: false });

      const result = await sut.check(holder.signCert, signCa);

      expect(result.status).toBe('unavailable');
      expect(result.attempts[0].reason).toBe('the OCSP response signature does not verify');
    } finally {
      await close(tamperer.server);
    }
  });

  it('fuzz: a mutated genuine answer is rejected or read as the genuine one, never thrown', async () => {
    let mutate: (response: Buffer) => Buffer = (r) => r;
    const mutator = await serve(async (body) => mutate(Buffer.from(await jlis.respondOcsp(body))));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(
              fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
              fc.integer({ min: 1, max: 255 }),
            ),
            {
              minLength: 1,
              maxLength: 3,
            },
          ),
          async (flips) => {
            mutate = (response) => {
              for (const [where, xor] of flips) {
                response[Math.floor(where * response.length)] ^= xor;
              }
              return response;
            };
            const sut = new HttpRevocationSource({ ocspUrl: mutator.url, isCrlEnabled: false });

            const result = await sut.check(holder.signCert, signCa);

            expect(['good', 'unavailable']).toContain(result.status);
          },
        ),
        { numRuns: 80 },
      );
    } finally {
      await close(mutator.server);
    }
  });

  it('an answer about another certificate (same nonce) is rejected', async () => {
    const mine = ParsedCertificate.parse(holder.signCert).serial.raw;
    const theirs = ParsedCertificate.parse(neighbour.signCert).serial.raw;
    const swapper = await serve((body) => {
      const swapped = Buffer.from(body);
      theirs.copy(swapped, swapped.indexOf(mine));
      return jlis.respondOcsp(swapped);
    });
    try {
      const sut = new HttpRevocationSource({ ocspUrl: swapper.url, isCrlEnabled: false });

      const result = await sut.check(holder.signCert, signCa);

      expect(theirs.length).toBe(mine.length);
      expect(result.status).toBe('unavailable');
      expect(result.attempts[0].reason).toBe('the response is not about this certificate');
    } finally {
      await close(swapper.server);
    }
  });

  it('a responder that never answers times out quickly, then the CRL is used', async () => {
    const silent = await serve(() => undefined);
    try {
      const sut = new HttpRevocationSource({ ocspUrl: silent.url, timeoutMs: 300 });
      const started = Date.now();

      const result = await sut.check(holder.signCert, signCa);

      expect(Date.now() - started).toBeLessThan(2000);
      expect(result).toMatchObject({ status: 'good', source: 'crl' });
      expect(result.attempts[0]).toMatchObject({ outcome: 'unreachable', reason: 'timed out' });
    } finally {
      await close(silent.server);
    }
  });

  it('an OCSP error status (unauthorized: another J-LIS) falls back to the CRL', async () => {
    const unknown = await serve((body) => other.respondOcsp(body));
    try {
      const sut = new HttpRevocationSource({ ocspUrl: unknown.url });

      const result = await sut.check(holder.signCert, signCa);

      expect(result.attempts.map((a) => `${a.source}:${a.outcome}`)).toEqual([
        'ocsp:rejected',
        'crl:used',
      ]);
      expect(result.attempts[0].reason).toContain('status 6');
    } finally {
      await close(unknown.server);
    }
  });

  it.each([
    ['signed by another CA with the same name', () => other.crl('sign'), 'does not verify'],
    [
      'issued by the root, not the signing CA',
      () => jlis.crl('root'),
      'not issued by the certificate issuer',
    ],
    ['not a CRL', () => Promise.resolve(Buffer.from('<html>')), 'DER'],
  ])('a CRL %s is rejected', async (_label, crl, reason) => {
    const fake = await serve(() => crl());
    try {
      const sut = new HttpRevocationSource({ isOcspEnabled: false, crlUrl: fake.url });

      const result = await sut.check(holder.signCert, signCa);

      expect(result.status).toBe('unavailable');
      expect(result.attempts[0]).toMatchObject({ source: 'crl', outcome: 'rejected' });
      expect(result.attempts[0].reason).toContain(reason);
    } finally {
      await close(fake.server);
    }
  });

  it('a CRL past its nextUpdate is rejected', async () => {
    const sut = new HttpRevocationSource({
      isOcspEnabled: false,
      now: () => new Date(Date.now() + 2 * 86_400_000),
    });

    const result = await sut.check(holder.signCert, signCa);

    expect(result.status).toBe('unavailable');
    expect(result.attempts[0].reason).toContain('stale');
  });

  it('redirects are not followed', async () => {
    const redirector = createServer((_request, response) => {
      response.writeHead(302, { location: `${http.url}/crl/sign.crl` });
      response.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    try {
      const sut = new HttpRevocationSource({ isOcspEnabled: false, crlUrl: url });

      const result = await sut.check(holder.signCert, signCa);

      expect(result.status).toBe('unavailable');
      expect(result.attempts[0].outcome).toBe('unreachable');
    } finally {
      await close(redirector);
    }
  });

  it('HTTP errors are "unreachable", with the status', async () => {
    const sut = new HttpRevocationSource({
      ocspUrl: `${http.url}/nowhere`,
      crlUrl: `${http.url}/crl/none.crl`,
    });

    const result = await sut.check(holder.signCert, signCa);

    expect(result.status).toBe('unavailable');
    expect(result.attempts.map((a) => a.reason)).toEqual(['HTTP 404', 'HTTP 404']);
  });

  it('revocation is seen by both OCSP and the CRL, with the reason', async () => {
    const revoked = await issue();
    await jlis.revoke(revoked.signSerial, 'affiliationChanged');

    const byOcsp = await new HttpRevocationSource({ isCrlEnabled: false }).check(
      revoked.signCert,
      signCa,
    );
    const byCrl = await new HttpRevocationSource({ isOcspEnabled: false }).check(
      revoked.signCert,
      signCa,
    );

    for (const result of [byOcsp, byCrl]) {
      expect(result).toMatchObject({ status: 'revoked', reason: 'affiliationChanged' });
      expect(Math.abs(result.revokedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    }
  });
});
