import { CardSessionErrorCode } from './card-session.error';
import { refusalOf } from './signer-api.service';

describe('refusalOf', () => {
  it.each([
    ['REVOKED', CardSessionErrorCode.CertificateRevoked, 'CERTIFICATE_REVOKED'],
    ['TRY_LATER', CardSessionErrorCode.RevocationUnavailable, 'REVOCATION_UNAVAILABLE'],
    ['NO_CERTIFICATE_CHAIN_FOUND', CardSessionErrorCode.InvalidCertificate, 'CERTIFICATE_INVALID'],
    ['EXPIRED', CardSessionErrorCode.InvalidCertificate, 'CERTIFICATE_INVALID'],
    ['SIG_CONSTRAINTS_FAILURE', CardSessionErrorCode.InvalidCertificate, 'CERTIFICATE_INVALID'],
    ['HASH_FAILURE', CardSessionErrorCode.InvalidSignature, 'SIGNATURE_INVALID'],
    ['SIG_CRYPTO_FAILURE', CardSessionErrorCode.InvalidSignature, 'SIGNATURE_INVALID'],
  ] as const)('maps %s to %s', (sub, code, reason) => {
    expect(refusalOf(sub)).toEqual({ code, reason });
  });

  it('only asks to try later when revocation could not be checked', () => {
    expect(refusalOf('NO_CERTIFICATE_CHAIN_FOUND').code).not.toBe(
      CardSessionErrorCode.RevocationUnavailable,
    );
  });
});
