import type { KeyObject } from 'node:crypto';
import { der } from '@madoguchi/pki';
import { RevocationReasonCode, type RevocationReason } from './revocation-reason';
import {
  authorityKeyIdentifier,
  encodeExtensions,
  extension,
  Oid,
  sha256WithRsa,
  signedStructure,
} from './x509';

const { contextTag, encodeTime, enumerated, integer, sequence } = der;

export interface RevokedEntry {
  /** Upper-case hex. */
  serial: string;
  at: Date;
  reason: RevocationReason;
}

export interface CrlParameters {
  issuerName: Buffer;
  issuerKeyId: Buffer;
  issuerKey: KeyObject;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint;
  revoked: readonly RevokedEntry[];
}

/** RFC 5280 §5: a v2 CRL with AKI and CRL number; entries carry reasonCode unless `unspecified` (§5.3.1). */
export function buildCrl(p: CrlParameters): Buffer {
  const entries = p.revoked.map((entry) => {
    const code = RevocationReasonCode[entry.reason];
    const entryExtensions =
      code === RevocationReasonCode.unspecified
        ? []
        : [encodeExtensions([extension(Oid.crlReason, false, enumerated(code))])];
    return sequence(
      integer(Buffer.from(entry.serial, 'hex')),
      encodeTime(entry.at),
      ...entryExtensions,
    );
  });
  const crlNumberHex = p.crlNumber.toString(16);
  const tbs = sequence(
    integer(1),
    sha256WithRsa(),
    p.issuerName,
    encodeTime(p.thisUpdate),
    encodeTime(p.nextUpdate),
    ...(entries.length > 0 ? [sequence(...entries)] : []),
    contextTag(
      0,
      encodeExtensions([
        extension(Oid.authorityKeyIdentifier, false, authorityKeyIdentifier(p.issuerKeyId)),
        extension(
          Oid.crlNumber,
          false,
          integer(Buffer.from(crlNumberHex.length % 2 ? `0${crlNumberHex}` : crlNumberHex, 'hex')),
        ),
      ]),
    ),
  );
  return signedStructure(tbs, p.issuerKey);
}
