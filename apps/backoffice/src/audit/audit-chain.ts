import { createHash } from 'node:crypto';

/** The prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);
/** Changes only with a new hashing scheme; part of every hash, so old and new entries cannot be confused. */
export const AUDIT_HASH_FORMAT = 'madoguchi-audit-v1';

/** Every stored field of an entry but its own hash, as hashed. */
export interface AuditChainFields {
  seq: number;
  occurredAt: string;
  actorId: string | null;
  actorLoginId: string | null;
  actorRole: string | null;
  municipalityCode: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** RFC 8785 JSON text of an object */
  detail: string;
  prevHash: string;
}

export type Canonicalize = (input: unknown) => string | undefined;

let canonicalizeModule: Promise<Canonicalize> | undefined;

/** `canonicalize` is ESM-only with an "import"-only export map: require() cannot load it, import() can. */
export function loadCanonicalize(): Promise<Canonicalize> {
  canonicalizeModule ??= import('canonicalize').then((m) => m.default);
  return canonicalizeModule;
}

/** RFC 8785 text of a JSON object (the `detail` column); throws on anything that is not one. */
export function canonicalDetail(canonicalize: Canonicalize, detail: unknown): string {
  const text = canonicalize(detail);
  if (
    text === undefined ||
    typeof detail !== 'object' ||
    detail === null ||
    Array.isArray(detail)
  ) {
    throw new Error('audit detail must be a JSON object');
  }
  return text;
}

/**
 * SHA-256 (hex) over the RFC 8785 serialisation of all the entry's fields, its detail as an object, and the
 * previous entry's hash: changing any stored field, or the order, changes the hash.
 */
export function hashAuditEntry(canonicalize: Canonicalize, fields: AuditChainFields): string {
  // named one by one: an entity or row with more properties (its own hash) hashes the same
  const text = canonicalize({
    format: AUDIT_HASH_FORMAT,
    seq: fields.seq,
    occurredAt: fields.occurredAt,
    actorId: fields.actorId,
    actorLoginId: fields.actorLoginId,
    actorRole: fields.actorRole,
    municipalityCode: fields.municipalityCode,
    action: fields.action,
    targetType: fields.targetType,
    targetId: fields.targetId,
    detail: JSON.parse(fields.detail) as unknown,
    prevHash: fields.prevHash,
  });
  if (text === undefined) {
    throw new Error('audit entry cannot be serialised');
  }
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface StoredAuditEntry extends AuditChainFields {
  hash: string;
}

export type ChainVerdict =
  | { isIntact: true; count: number; headSeq: number; headHash: string }
  | { isIntact: false; count: number; seq: number; problem: string };

/**
 * Walks entries in seq order and names the first one that breaks the chain: a missing or repeated seq (a deleted
 * or inserted entry), a prevHash that is not the previous entry's hash, a hash that is not the hash of the stored
 * fields (an edited entry), or a head that does not name the last entry (a deleted tail). Reports; never repairs.
 */
export async function verifyAuditChain(
  entries: AsyncIterable<StoredAuditEntry>,
  head: { seq: number; hash: string },
  canonicalize: Canonicalize,
  /** an entry already verified from the start (the viewer's checkpoint): `entries` follow it; default genesis */
  start: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): Promise<ChainVerdict> {
  let expectedSeq = start.seq + 1;
  let prevHash = start.hash;
  let count = start.seq;
  for await (const entry of entries) {
    const broken = (problem: string): ChainVerdict => ({
      isIntact: false,
      count,
      seq: entry.seq,
      problem,
    });
    if (entry.seq !== expectedSeq) {
      return broken(
        entry.seq > expectedSeq
          ? `seq ${expectedSeq}${entry.seq - 1 > expectedSeq ? `–${entry.seq - 1}` : ''} missing before seq ${entry.seq} (deleted)`
          : `seq ${entry.seq} out of order (expected ${expectedSeq})`,
      );
    }
    if (entry.prevHash !== prevHash) {
      return broken(
        `prev_hash ${entry.prevHash} is not the hash of the entry before (${prevHash})`,
      );
    }
    let actual: string;
    try {
      actual = hashAuditEntry(canonicalize, entry);
    } catch (e) {
      return broken(`the stored fields cannot be read: ${(e as Error).message}`);
    }
    if (actual !== entry.hash) {
      return broken(
        `stored hash ${entry.hash} differs from the hash of the stored fields ${actual} (the entry was changed)`,
      );
    }
    prevHash = entry.hash;
    expectedSeq += 1;
    count += 1;
  }
  const lastSeq = expectedSeq - 1;
  if (head.seq !== lastSeq || head.hash !== prevHash) {
    return {
      isIntact: false,
      count,
      seq: head.seq > lastSeq ? lastSeq + 1 : head.seq,
      problem:
        head.seq > lastSeq
          ? `the chain head names seq ${head.seq}, but the last entry is seq ${lastSeq} (entries deleted at the end)`
          : `the chain head (seq ${head.seq}, hash ${head.hash}) does not name the last entry (seq ${lastSeq}, hash ${prevHash})`,
    };
  }
  return { isIntact: true, count, headSeq: lastSeq, headHash: prevHash };
}
