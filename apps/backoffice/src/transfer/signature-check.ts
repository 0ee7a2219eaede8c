import {
  PkiError,
  type Indication,
  type SignatureVerifier,
  type SubIndication,
} from '@madoguchi/pki';
import type { TransferApplication, TransferSignature } from '@madoguchi/transfer';
import { createHash } from 'node:crypto';
import type { BasicFourView, StoredCheck } from '../database/entities/application-identity.entity';

export interface SignatureVerdict {
  indication: Indication;
  subIndication: SubIndication | null;
  checks: StoredCheck[];
  documentSha256: string;
  certified: BasicFourView | null;
  chain: string[];
  evidence: { ocsp: string[]; crl: string[] };
  signingTime: Date | null;
  validatedAt: Date;
}

/** Key order does not matter in JSON objects; a sorted rendering compares two values structurally. */
function stable(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(stable).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

interface SignedDocument {
  municipalityCode?: unknown;
  form?: { id?: unknown; version?: unknown; sha256?: unknown };
  answers?: unknown;
  attachments?: Array<{ name?: unknown; type?: unknown; sha256?: unknown }>;
}

/** What the stored record must agree with: the signed document's own fields (the transfer's are not signed). */
function contentCheck(incoming: TransferApplication, text: string): StoredCheck {
  let doc: SignedDocument;
  try {
    doc = JSON.parse(text) as SignedDocument;
  } catch {
    return fail('CONTENT', 'FORMAT_FAILURE', 'the signed document is not JSON');
  }
  const problems: string[] = [];
  if (doc.municipalityCode !== incoming.municipalityCode) {
    problems.push('municipality');
  }
  if (
    doc.form?.id !== incoming.formId ||
    String(doc.form?.version) !== String(incoming.formVersion) ||
    doc.form?.sha256 !== incoming.formSha256
  ) {
    problems.push('form id, version or SHA-256');
  }
  if (stable(doc.answers) !== stable(incoming.answers)) {
    problems.push('answers');
  }
  const signed = (doc.attachments ?? []).map((a) => `${String(a.sha256)} ${String(a.name)}`).sort();
  const received = incoming.attachments.map((a) => `${a.sha256.toLowerCase()} ${a.name}`).sort();
  if (stable(signed) !== stable(received)) {
    problems.push('attachments');
  }
  return problems.length === 0
    ? {
        check: 'CONTENT',
        status: 'PASSED',
        reason: 'answers, form and attachments are those of the signed document',
      }
    : fail('CONTENT', 'HASH_FAILURE', `differs from the signed document: ${problems.join(', ')}`);
}

function fail(check: string, subIndication: SubIndication, reason: string): StoredCheck {
  return { check, status: 'FAILED', subIndication, reason };
}

/**
 * The back office's own verdict on a signed application (issue 4 §8): the portal's report is not consulted. Adds
 * two checks of its own before the verifier's: DOCUMENT_SHA256 (the bytes received are those the portal says it
 * signed) and CONTENT (what is stored is what the document says). Any failed check makes the verdict TOTAL-FAILED.
 */
export async function checkSignature(
  verifier: SignatureVerifier,
  incoming: TransferApplication,
  signature: TransferSignature,
): Promise<SignatureVerdict> {
  const document = Buffer.from(signature.document, 'utf8');
  const documentSha256 = createHash('sha256').update(document).digest('hex');
  const own: StoredCheck[] = [
    documentSha256 === String(signature.documentSha256).toLowerCase()
      ? {
          check: 'DOCUMENT_SHA256',
          status: 'PASSED',
          reason: `SHA-256 ${documentSha256} as recorded at signing`,
        }
      : fail(
          'DOCUMENT_SHA256',
          'HASH_FAILURE',
          `the document's SHA-256 is ${documentSha256}, the portal recorded ${String(signature.documentSha256)}`,
        ),
    contentCheck(incoming, signature.document),
  ];
  const validatedAt = new Date();
  let report;
  try {
    report = await verifier.verify({
      cms: Buffer.from(signature.cms, 'base64'),
      content: document,
    });
  } catch (e) {
    if (!(e instanceof PkiError)) {
      throw e;
    }
    return {
      indication: 'TOTAL-FAILED',
      subIndication: 'FORMAT_FAILURE',
      checks: [...own, fail('SIGNATURE', 'FORMAT_FAILURE', `not a usable CMS: ${e.message}`)],
      documentSha256,
      certified: null,
      chain: [],
      evidence: { ocsp: [], crl: [] },
      signingTime: null,
      validatedAt,
    };
  }
  const checks: StoredCheck[] = [
    ...own,
    ...report.checks.map((c) => ({
      check: c.check,
      status: c.status,
      subIndication: c.subIndication ?? null,
      reason: c.reason,
    })),
  ];
  const ownFailure = own.find((c) => c.status === 'FAILED');
  const indication: Indication = ownFailure ? 'TOTAL-FAILED' : report.indication;
  const subIndication =
    report.indication === 'TOTAL-FAILED'
      ? (report.subIndication ?? null)
      : ownFailure
        ? ((ownFailure.subIndication as SubIndication | undefined) ?? 'HASH_FAILURE')
        : (report.subIndication ?? null);
  const four = report.certifiedBasicFour;
  return {
    indication,
    subIndication,
    checks,
    documentSha256,
    certified: four
      ? { name: four.name, address: four.address, birthdate: four.birthdate, sex: four.sex }
      : null,
    chain: report.chain.map((c) => c.toString('base64')),
    evidence: {
      ocsp: report.revocationEvidence.ocspResponses.map((b) => b.toString('base64')),
      crl: report.revocationEvidence.crls.map((b) => b.toString('base64')),
    },
    signingTime: report.signingTime ?? null,
    validatedAt: report.validatedAt,
  };
}
