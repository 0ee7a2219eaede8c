import * as asn1js from 'asn1js';
import { createHash } from 'node:crypto';
import type { ParsedCertificate } from './certificate';
import { children, expectTag, oidOf, parseDer, Tag } from './der';
import { hashByOid, Oid } from './oids';
import { PkiError, PkiErrorCode } from './pki.error';

const fromRaw = (raw: Buffer): asn1js.AsnType => {
  const parsed = asn1js.fromBER(raw);
  if (parsed.offset === -1) {
    throw new PkiError(PkiErrorCode.Malformed, 'cannot re-read a certificate field');
  }
  return parsed.result;
};

/**
 * RFC 5035 §3: SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }, with one ESSCertIDv2
 * { certHash (SHA-256, the DEFAULT hashAlgorithm, hence omitted in DER), issuerSerial { GeneralNames
 * { directoryName [4] issuer }, serialNumber } }. pkijs has no class for it (SIGNATURES.md).
 */
export function encodeSigningCertificateV2(cert: ParsedCertificate): Buffer {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: 4 },
            value: [fromRaw(cert.issuer.raw)],
          }),
        ],
      }),
      fromRaw(cert.serial.raw),
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: cert.fingerprint256 }), issuerSerial],
  });
  const value = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
  return Buffer.from(value.toBER());
}

export interface SigningCertificateV2Match {
  isMatch: boolean;
  reason: string;
}

/** Checks the first ESSCertIDv2 against the signer certificate (RFC 5035 §4; CAdES EN 319 122-1 §5.2.2.3). */
export function matchSigningCertificateV2(
  attributeValue: Buffer,
  cert: ParsedCertificate,
): SigningCertificateV2Match {
  const [certs] = children(
    expectTag(parseDer(attributeValue), Tag.Sequence, 'SigningCertificateV2'),
  );
  const [first] = children(expectTag(certs, Tag.Sequence, 'certs'));
  const fields = children(expectTag(first, Tag.Sequence, 'ESSCertIDv2'));
  let i = 0;
  let hashName = 'sha256';
  if (fields[i]?.tag === Tag.Sequence) {
    const algorithm = oidOf(children(fields[i])[0], 'hashAlgorithm');
    const name = hashByOid[algorithm];
    if (!name || algorithm === Oid.sha1) {
      return { isMatch: false, reason: `certHash algorithm ${algorithm} is not accepted` };
    }
    hashName = name;
    i++;
  }
  const certHash = expectTag(fields[i++], Tag.OctetString, 'certHash').content;
  const actual =
    hashName === 'sha256' ? cert.fingerprint256 : createHash(hashName).update(cert.der).digest();
  if (!actual.equals(certHash)) {
    return { isMatch: false, reason: 'certHash is not the hash of the signer certificate' };
  }
  const issuerSerial = fields[i];
  if (issuerSerial) {
    const [names, serial] = children(expectTag(issuerSerial, Tag.Sequence, 'IssuerSerial'));
    const directoryNames = children(expectTag(names, Tag.Sequence, 'GeneralNames'))
      .filter((n) => n.tag === 0xa4)
      .map((n) => children(n)[0]?.raw);
    const isSameIssuer = directoryNames.some((raw) => raw?.equals(cert.issuer.raw));
    if (
      !isSameIssuer ||
      !expectTag(serial, Tag.Integer, 'serialNumber').raw.equals(cert.serial.raw)
    ) {
      return { isMatch: false, reason: 'issuerSerial does not name the signer certificate' };
    }
  }
  return { isMatch: true, reason: 'certHash and issuerSerial match the signer certificate' };
}
