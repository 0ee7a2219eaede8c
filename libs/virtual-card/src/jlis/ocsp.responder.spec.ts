import { createHash, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { der } from '@madoguchi/pki';
import { answerOcsp, parseOcspRequest, type OcspAuthority } from './ocsp.responder';
import { encodeName, Oid, publicKeyBits } from './x509';

const { children, contextTag, derNull, integer, octetString, oid, parseDer, sequence } = der;

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const caSubject = encodeName([
  ['C', 'JP'],
  ['O', 'JPKI-TEST'],
]);
const caKeyBits = publicKeyBits(publicKey.export({ format: 'der', type: 'spki' }));
const authority: OcspAuthority = {
  caSubject,
  caKeyBits,
  responderCert: sequence(),
  responderKey: privateKey,
  responderKeyHash: createHash('sha1').update(caKeyBits).digest(),
  statusOf: (serial) =>
    serial === '0A'
      ? { status: 'revoked', at: new Date('2026-01-02T03:04:05Z'), reason: 'superseded' }
      : { status: 'good' },
};
/** OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, ... } */
const responseStatus = (der: Buffer): number => {
  const [status] = children(parseDer(der));
  expect(status.tag).toBe(0x0a);
  return status.content[0];
};

const options = { now: new Date('2026-02-01T00:00:00Z'), validityMs: 3_600_000 };

function request(serial: string, nonce?: Buffer, hash: 'sha1' | 'sha256' = 'sha1'): Buffer {
  const certId = sequence(
    sequence(oid(hash === 'sha1' ? Oid.sha1 : Oid.sha256), derNull()),
    octetString(createHash(hash).update(caSubject).digest()),
    octetString(createHash(hash).update(caKeyBits).digest()),
    integer(Buffer.from(serial, 'hex')),
  );
  const extensions = nonce
    ? [contextTag(2, sequence(sequence(oid(Oid.ocspNonce), octetString(octetString(nonce)))))]
    : [];
  return sequence(sequence(sequence(sequence(certId)), ...extensions));
}

describe('answerOcsp', () => {
  it('echoes the nonce extension byte for byte and answers with SHA-256 CertIDs too', () => {
    const nonce = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const sut = answerOcsp(request('0B', nonce, 'sha256'), [authority], options);

    expect(responseStatus(sut)).toBe(0);
    expect(sut.includes(sequence(oid(Oid.ocspNonce), octetString(octetString(nonce))))).toBe(true);
    expect(sut.includes(Buffer.from([0x80, 0x00]))).toBe(true);
  });

  it('writes revocation time and reason for a revoked serial', () => {
    const sut = answerOcsp(request('0A'), [authority], options);

    // [1] { GeneralizedTime 20260102030405Z, [0] { ENUMERATED 4 (superseded) } }
    expect(sut.toString('latin1')).toContain('20260102030405Z');
    expect(sut.includes(Buffer.from('a0030a0104', 'hex'))).toBe(true);
  });

  it('refuses nonces longer than 32 octets as malformed (RFC 8954)', () => {
    expect(
      answerOcsp(request('0B', Buffer.alloc(33, 1)), [authority], options).toString('hex'),
    ).toBe('30030a0101');
  });

  it('answers any byte string without throwing (property)', () => {
    const valid = request('0B', Buffer.alloc(16, 7));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.nat({ max: valid.length }).map((n) => valid.subarray(0, n)),
          fc
            .tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }))
            .map(([i, b]) => {
              const copy = Buffer.from(valid);
              copy[i] = b;
              return copy;
            }),
        ),
        (bytes) => {
          const answer = answerOcsp(Buffer.from(bytes), [authority], options);
          return [0, 1, 6].includes(responseStatus(answer));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('parses the CertID fields it needs', () => {
    const sut = parseOcspRequest(request('00FF'));

    expect(sut.certIds).toHaveLength(1);
    expect(sut.certIds[0]).toMatchObject({ hash: 'sha1', serial: 'FF' });
    expect(sut.nonceExtension).toBeUndefined();
  });
});
