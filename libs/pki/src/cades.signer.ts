import { SHA256_DIGEST_INFO_PREFIX } from '@madoguchi/jpki';
import { constants, createHash, verify } from 'node:crypto';
import { ParsedCertificate } from './certificate';
import { encodeTime, octetString, oid, sequence, setOf, smallInteger, tlv, Tag } from './der';
import { Oid } from './oids';
import { PkiError, PkiErrorCode } from './pki.error';
import { parseSignedAttributes } from './signed-attributes';
import { encodeSigningCertificateV2, matchSigningCertificateV2 } from './signing-certificate-v2';

export interface PrepareSignatureInput {
  content: Uint8Array;
  /** DER of the signing certificate read from the card. */
  signerCertificate: Uint8Array;
  signingTime?: Date;
}

export interface PreparedSignature {
  /** The DER `SET OF Attribute` (tag 0x31) to keep byte for byte until phase 2. */
  signedAttributesDer: Buffer;
  /** JPKI.md §1.2: the 51-byte DigestInfo(SHA-256, SHA-256(signedAttributesDer)) the card signs. */
  digestInfo: Buffer;
  /** SHA-256 of the content (the message-digest attribute). */
  contentDigest: Buffer;
  /** The signing-time attribute, to the second. */
  signingTime: Date;
}

export interface AssembleSignatureInput {
  signedAttributesDer: Uint8Array;
  /** The raw RSASSA-PKCS1-v1_5 signature from the card (256 bytes for RSA-2048). */
  signature: Uint8Array;
  signerCertificate: Uint8Array;
  /** CA certificates to embed (EU DSS ignores OCSP without the intermediates in the CMS: SIGNATURES.md). */
  chain?: Uint8Array[];
}

const attribute = (type: string, value: Buffer): Buffer => sequence(oid(type), setOf(value));

function parseRsaCertificate(der: Uint8Array): ParsedCertificate {
  const cert = ParsedCertificate.parse(der);
  let keyType: string | undefined;
  try {
    keyType = cert.publicKey.asymmetricKeyType;
  } catch {
    throw new PkiError(PkiErrorCode.UnsupportedCertificate, 'the certificate key cannot be read');
  }
  if (keyType !== 'rsa') {
    throw new PkiError(PkiErrorCode.UnsupportedCertificate, 'the signer certificate is not RSA');
  }
  return cert;
}

/**
 * Phase 1 of CAdES-B-B (EN 319 122-1 §5.2): the signed attributes content-type, signing-time, message-digest and
 * signing-certificate-v2, and the DigestInfo the card signs (SIGNATURES.md, "two-phase signing").
 */
export function prepareSignature(input: PrepareSignatureInput): PreparedSignature {
  const cert = parseRsaCertificate(input.signerCertificate);
  const signingTime = new Date(
    Math.floor((input.signingTime ?? new Date()).getTime() / 1000) * 1000,
  );
  if (Number.isNaN(signingTime.getTime())) {
    throw new PkiError(PkiErrorCode.InvalidArgument, 'signingTime is not a date');
  }
  const contentDigest = createHash('sha256').update(input.content).digest();
  // X.690 §11.6 via setOf: DER sorts the attributes, and verifiers such as OpenSSL re-encode before checking.
  const signedAttributesDer = setOf(
    attribute(Oid.contentType, oid(Oid.data)),
    attribute(Oid.signingTime, encodeTime(signingTime)),
    attribute(Oid.messageDigest, octetString(contentDigest)),
    attribute(Oid.signingCertificateV2, encodeSigningCertificateV2(cert)),
  );
  const attributesHash = createHash('sha256').update(signedAttributesDer).digest();
  return {
    signedAttributesDer,
    digestInfo: Buffer.concat([SHA256_DIGEST_INFO_PREFIX, attributesHash]),
    contentDigest,
    signingTime,
  };
}

/**
 * Phase 2: the detached SignedData (RFC 5652 §5) from the kept attribute bytes and the card's raw signature. Refuses
 * a signature that does not verify with the certificate's key, and a certificate other than the one
 * signing-certificate-v2 names (a certificate swapped between the phases).
 */
export function assembleSignature(input: AssembleSignatureInput): Buffer {
  const cert = parseRsaCertificate(input.signerCertificate);
  const signedAttributesDer = Buffer.from(input.signedAttributesDer);
  const attributes = parseSignedAttributes(signedAttributesDer);
  const scv2 = attributes.get(Oid.signingCertificateV2);
  if (!scv2 || !matchSigningCertificateV2(scv2, cert).isMatch) {
    throw new PkiError(
      PkiErrorCode.CertificateMismatch,
      'the certificate is not the one the signed attributes were prepared for',
    );
  }
  const signature = Buffer.from(input.signature);
  // RFC 5652 §5.4: with signedAttrs present, the signature covers their DER SET, not the content.
  const isValid = verify(
    'sha256',
    signedAttributesDer,
    { key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING },
    signature,
  );
  if (!isValid) {
    throw new PkiError(
      PkiErrorCode.SignatureMismatch,
      'the signature does not verify over the prepared attributes with the certificate key',
    );
  }
  return encodeSignedData({
    signedAttributesDer,
    signature,
    signer: cert,
    certificates: [cert.der, ...(input.chain ?? []).map((c) => Buffer.from(c))],
  });
}

export interface SignedDataParts {
  signedAttributesDer: Buffer;
  signature: Buffer;
  /** The certificate named in the SignerIdentifier. */
  signer: ParsedCertificate;
  certificates: Buffer[];
  /** Default SHA-256; tests set others to check that verifiers refuse them. */
  digestAlgorithm?: string;
}

/** The ContentInfo DER, without any check: phase 2 and tests that build deliberately broken signatures. */
export function encodeSignedData(parts: SignedDataParts): Buffer {
  const unique = parts.certificates.filter(
    (c, i, all) => all.findIndex((other) => other.equals(c)) === i,
  );
  const digestAlgorithm = sequence(oid(parts.digestAlgorithm ?? Oid.sha256));
  const signerInfo = sequence(
    smallInteger(1),
    sequence(parts.signer.issuer.raw, parts.signer.serial.raw), // IssuerAndSerialNumber
    digestAlgorithm,
    // RFC 5652 §5.3: signedAttrs is [0] IMPLICIT; the bytes inside are exactly those that were signed.
    Buffer.concat([Buffer.from([0xa0]), parts.signedAttributesDer.subarray(1)]),
    sequence(oid(Oid.rsaEncryption), Buffer.from([Tag.Null, 0])),
    octetString(parts.signature),
  );
  const signedData = sequence(
    smallInteger(1),
    setOf(digestAlgorithm),
    sequence(oid(Oid.data)), // detached: no eContent (RFC 5652 §5.2)
    tlv(0xa0, ...unique),
    setOf(signerInfo),
  );
  return sequence(oid(Oid.signedData), tlv(0xa0, signedData));
}
