import { createHash, type KeyObject } from 'node:crypto';
import { der, PkiError, PkiErrorCode } from '@madoguchi/pki';
import { RevocationReasonCode, type RevocationReason } from './revocation-reason';
import { Oid, signedStructure } from './x509';

const {
  children,
  contextTag,
  decodeOid,
  enumerated,
  expectTag,
  generalizedTime,
  integerHex,
  octetString,
  oid,
  parseDer,
  sequence,
  Tag,
} = der;
type DerNode = der.DerNode;

/** RFC 6960 §4.2.1 OCSPResponseStatus. */
export const OcspResponseStatus = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;
export type OcspResponseStatusName = keyof typeof OcspResponseStatus;

export type OcspCertStatus =
  | { status: 'good' }
  | { status: 'revoked'; at: Date; reason: RevocationReason }
  | { status: 'unknown' };

/** One CA this responder answers for, through its delegated responder certificate (RFC 6960 §4.2.2.2). */
export interface OcspAuthority {
  caSubject: Buffer;
  caKeyBits: Buffer;
  responderCert: Buffer;
  responderKey: KeyObject;
  /** SHA-1 of the responder's public key bits: ResponderID byKey (RFC 6960 §4.2.1). */
  responderKeyHash: Buffer;
  statusOf(serialHex: string): OcspCertStatus;
}

export interface OcspAnswerOptions {
  now: Date;
  /** How long a client may rely on an answer (nextUpdate − thisUpdate). */
  validityMs: number;
}

const hashNames: Record<string, string> = {
  [Oid.sha1]: 'sha1',
  [Oid.sha256]: 'sha256',
  [Oid.sha384]: 'sha384',
  [Oid.sha512]: 'sha512',
};

/** RFC 8954 §2.1: nonces of 1–32 octets; anything longer is refused as malformed. */
const MAX_NONCE_EXTENSION_VALUE = 34;
const MAX_REQUESTS = 32;

interface ParsedRequest {
  certIds: Array<{ raw: Buffer; hash?: string; nameHash: Buffer; keyHash: Buffer; serial: string }>;
  /** The nonce Extension TLV, echoed byte for byte (RFC 6960 §4.4.1). */
  nonceExtension?: Buffer;
}

export function ocspStatusOnly(status: Exclude<OcspResponseStatusName, 'successful'>): Buffer {
  return sequence(enumerated(OcspResponseStatus[status]));
}

function malformed(message: string): never {
  throw new PkiError(PkiErrorCode.Malformed, message);
}

/** OCSPRequest ::= SEQUENCE { tbsRequest, optionalSignature [0] } (RFC 6960 §4.1.1). */
export function parseOcspRequest(der: Buffer): ParsedRequest {
  const [tbsRequest] = children(expectTag(parseDer(der), Tag.Sequence, 'OCSPRequest'));
  const fields = children(expectTag(tbsRequest, Tag.Sequence, 'TBSRequest'));
  let index = 0;
  if (fields[index]?.tag === 0xa0) {
    const [version] = children(fields[index]);
    if (integerHex(version) !== '00') {
      malformed('unsupported OCSP request version');
    }
    index++;
  }
  if (fields[index]?.tag === 0xa1) {
    index++;
  }
  const requestList = children(expectTag(fields[index], Tag.Sequence, 'requestList'));
  if (requestList.length === 0 || requestList.length > MAX_REQUESTS) {
    malformed(`requestList must hold 1–${MAX_REQUESTS} requests`);
  }
  const certIds = requestList.map((request) => {
    const [certId] = children(expectTag(request, Tag.Sequence, 'Request'));
    const [algorithm, nameHash, keyHash, serial] = children(
      expectTag(certId, Tag.Sequence, 'CertID'),
    );
    const [algorithmOid] = children(expectTag(algorithm, Tag.Sequence, 'hashAlgorithm'));
    return {
      raw: certId.raw,
      hash: hashNames[decodeOid(expectTag(algorithmOid, Tag.Oid, 'hash OID').content)],
      nameHash: expectTag(nameHash, Tag.OctetString, 'issuerNameHash').content,
      keyHash: expectTag(keyHash, Tag.OctetString, 'issuerKeyHash').content,
      serial: integerHex(expectTag(serial, Tag.Integer, 'serialNumber')),
    };
  });
  const extensionsNode: DerNode | undefined = fields.slice(index + 1).find((f) => f.tag === 0xa2);
  let nonceExtension: Buffer | undefined;
  if (extensionsNode) {
    const [list] = children(extensionsNode);
    for (const ext of children(expectTag(list, Tag.Sequence, 'Extensions'))) {
      const parts = children(expectTag(ext, Tag.Sequence, 'Extension'));
      const extOid = decodeOid(expectTag(parts[0], Tag.Oid, 'extnID').content);
      const value = expectTag(parts[parts.length - 1], Tag.OctetString, 'extnValue');
      if (extOid === Oid.ocspNonce) {
        if (value.content.length === 0 || value.content.length > MAX_NONCE_EXTENSION_VALUE) {
          malformed('nonce longer than 32 octets (RFC 8954)');
        }
        nonceExtension = ext.raw;
      }
    }
  }
  return { certIds, nonceExtension };
}

function certStatus(status: OcspCertStatus): Buffer {
  switch (status.status) {
    case 'good':
      return Buffer.from([0x80, 0x00]);
    case 'unknown':
      return Buffer.from([0x82, 0x00]);
    case 'revoked': {
      const code = RevocationReasonCode[status.reason];
      // RevokedInfo ::= SEQUENCE { revocationTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }, [1] IMPLICIT.
      return contextTag(
        1,
        Buffer.concat([
          generalizedTime(status.at),
          ...(code === RevocationReasonCode.unspecified ? [] : [contextTag(0, enumerated(code))]),
        ]),
      );
    }
  }
}

/**
 * Answers an OCSP request (RFC 6960). Never throws for bad input: a request that does not parse gets
 * `malformedRequest`, one naming no CA served here gets `unauthorized` (RFC 5019 §2.2.3).
 */
export function answerOcsp(
  request: Buffer,
  authorities: readonly OcspAuthority[],
  options: OcspAnswerOptions,
): Buffer {
  let parsed: ParsedRequest;
  try {
    parsed = parseOcspRequest(request);
  } catch (error) {
    if (error instanceof PkiError && error.code === PkiErrorCode.Malformed) {
      return ocspStatusOnly('malformedRequest');
    }
    throw error;
  }
  const matches = (authority: OcspAuthority, id: ParsedRequest['certIds'][number]): boolean =>
    id.hash !== undefined &&
    createHash(id.hash).update(authority.caSubject).digest().equals(id.nameHash) &&
    createHash(id.hash).update(authority.caKeyBits).digest().equals(id.keyHash);
  const authority = authorities.find((a) => parsed.certIds.some((id) => matches(a, id)));
  if (!authority) {
    return ocspStatusOnly('unauthorized');
  }
  const nextUpdate = new Date(options.now.getTime() + options.validityMs);
  const responses = parsed.certIds.map((id) =>
    sequence(
      id.raw,
      certStatus(matches(authority, id) ? authority.statusOf(id.serial) : { status: 'unknown' }),
      generalizedTime(options.now),
      contextTag(0, generalizedTime(nextUpdate)),
    ),
  );
  const tbsResponseData = sequence(
    contextTag(2, octetString(authority.responderKeyHash)),
    generalizedTime(options.now),
    sequence(...responses),
    ...(parsed.nonceExtension ? [contextTag(1, sequence(parsed.nonceExtension))] : []),
  );
  const basic = signedStructure(tbsResponseData, authority.responderKey, [
    contextTag(0, sequence(authority.responderCert)),
  ]);
  return sequence(
    enumerated(OcspResponseStatus.successful),
    contextTag(0, sequence(oid(Oid.ocspBasic), octetString(basic))),
  );
}
