import { formatJapaneseDate, todayInJapan, type FormDefinition } from '@madoguchi/forms';
import {
  packageSha256,
  renderRecordPdf,
  retentionEndDate,
  safeFileNames,
  type RenditionInput,
} from '@madoguchi/records';
import { createHash } from 'node:crypto';
import type { ApplicationEntity } from '../database/entities/application.entity';
import type { ApplicationIdentityEntity } from '../database/entities/application-identity.entity';
import type { AttachmentEntity } from '../database/entities/attachment.entity';
import { toAnswerSections } from '../applications/to-answer-rows.mapper';
import {
  CHECK_LABELS,
  CHECK_STATUS_LABELS,
  INDICATION_LABELS,
  SEX_TEXT,
} from '../applications/to-identity-view.mapper';

export const RECORD_FORMAT = 'madoguchi-record/1';

export interface PackageFile {
  name: string;
  mediaType: string;
  bytes: Buffer;
}

export interface RecordPackageInput {
  recordId: string;
  application: ApplicationEntity;
  attachments: Array<{ attachment: AttachmentEntity; bytes: Buffer }>;
  identity: ApplicationIdentityEntity | null;
  /** the signed document and .p7s bytes, as stored at pickup */
  document: Buffer | null;
  cms: Buffer | null;
  form: FormDefinition;
  municipality: { code: string; name: string };
  acceptedBy: string;
  createdAt: Date;
}

export interface BuiltPackage {
  files: PackageFile[];
  packageSha256: string;
  retentionYears: number;
  retentionEnd: string;
  /** what a complete package would hold but this one does not, and why */
  missing: Array<{ name: string; reason: string }>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** '令和8年5月10日 14時03分' (JST) */
export function japaneseDateTime(at: Date): string {
  const jst = new Date(at.getTime() + 9 * 3600_000);
  const hh = String(jst.getUTCHours()).padStart(2, '0');
  const mm = String(jst.getUTCMinutes()).padStart(2, '0');
  return `${formatJapaneseDate(todayInJapan(at))} ${hh}時${mm}分`;
}

function pem(base64Der: string): string {
  const lines = base64Der.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

function birthdate(yyyymmdd: string | undefined): string | undefined {
  const m = yyyymmdd ? /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd) : null;
  if (!m) {
    return yyyymmdd;
  }
  try {
    return formatJapaneseDate(`${m[1]}-${m[2]}-${m[3]}`);
  } catch {
    return yyyymmdd;
  }
}

/**
 * The files of a record package (issue 5 §8), built in memory before anything is stored: the signed bytes as
 * signed, the .p7s, the chain, the revocation evidence as obtained at intake, the verification report as recorded,
 * the attachments, a PDF rendition and record.json (the metadata and each file's SHA-256).
 */
export async function buildRecordPackage(input: RecordPackageInput): Promise<BuiltPackage> {
  const { application: a, identity, form } = input;
  const files: PackageFile[] = [];
  const missing: BuiltPackage['missing'] = [];
  const isSigned = identity?.isSigned === true;

  if (isSigned && input.document && input.cms) {
    files.push({ name: 'document.json', mediaType: 'application/json', bytes: input.document });
    files.push({
      name: 'signature.p7s',
      mediaType: 'application/pkcs7-signature',
      bytes: input.cms,
    });
  } else {
    const reason = isSigned
      ? 'the signed bytes are not in the blob store'
      : 'the application was not signed';
    missing.push({ name: 'document.json', reason }, { name: 'signature.p7s', reason });
  }

  const chain = identity?.chain ?? [];
  if (chain.length > 0) {
    files.push({
      name: 'chain.pem',
      mediaType: 'application/x-pem-file',
      bytes: Buffer.from(chain.map(pem).join(''), 'ascii'),
    });
  } else if (isSigned) {
    missing.push({
      name: 'chain.pem',
      reason:
        'no certificate chain was built at intake (the signature was not verified to an anchor)',
    });
  }

  // the back office's own evidence (the verdict's), then the portal's (kept for comparison)
  let evidenceCount = 0;
  for (const source of ['backoffice', 'portal'] as const) {
    const evidence = identity?.evidence?.[source] ?? { ocsp: [], crl: [] };
    evidence.ocsp.forEach((b64, i) => {
      files.push({
        name: `revocation/${source}/ocsp-${i + 1}.der`,
        mediaType: 'application/ocsp-response',
        bytes: Buffer.from(b64, 'base64'),
      });
      evidenceCount++;
    });
    evidence.crl.forEach((b64, i) => {
      files.push({
        name: `revocation/${source}/crl-${i + 1}.crl`,
        mediaType: 'application/pkix-crl',
        bytes: Buffer.from(b64, 'base64'),
      });
      evidenceCount++;
    });
  }
  if (isSigned && evidenceCount === 0) {
    missing.push({
      name: 'revocation/',
      reason: 'no OCSP response or CRL was obtained at intake',
    });
  }

  files.push({
    name: 'verification-report.json',
    mediaType: 'application/json',
    bytes: json({
      format: 'madoguchi-verification-report/1',
      isSigned,
      verifiedBy: 'backoffice',
      indication: identity?.indication ?? null,
      subIndication: identity?.subIndication ?? null,
      checks: identity?.checks ?? [],
      signingTime: identity?.signingTime?.toISOString() ?? null,
      validatedAt: identity?.validatedAt?.toISOString() ?? null,
      documentSha256: identity?.documentSha256 ?? null,
      cmsSha256: identity?.cmsSha256 ?? null,
      certified: identity?.certified ?? null,
      cardface: identity?.cardface ?? null,
      differences: identity?.differences ?? [],
      portalReport: identity?.portalReport ?? null,
    }),
  });

  const names = safeFileNames(input.attachments.map((x) => x.attachment.fileName));
  input.attachments.forEach(({ attachment, bytes }, i) => {
    files.push({
      name: `attachments/${names[i]}`,
      mediaType: attachment.mediaType || 'application/octet-stream',
      bytes,
    });
  });

  const retentionYears = form.retentionYears;
  const retentionEnd = retentionEndDate(input.createdAt, retentionYears);
  const sections = toAnswerSections(form, a.answers, () => undefined);
  const v = identity?.isSigned ? identity : null;
  const rendition: RenditionInput = {
    municipality: input.municipality,
    title: a.titleJa,
    form: { id: a.formId, version: a.formVersion },
    department: form.department.ja,
    classification: form.classification?.ja,
    receiptNumber: a.receiptNumber,
    submitted: japaneseDateTime(a.submittedAt),
    received: japaneseDateTime(a.receivedAt),
    accepted: japaneseDateTime(input.createdAt),
    retention: { years: retentionYears, end: formatJapaneseDate(retentionEnd) },
    sections: sections.map((s) => ({
      title: s.title.ja,
      rows: s.rows.map((r) => ({
        label: r.label.ja,
        text: r.text?.ja,
        files: r.files?.map((f) => ({
          name: f.name,
          size: f.size,
          sha256: f.sha256,
        })),
      })),
    })),
    verification: v
      ? {
          verdict: (
            INDICATION_LABELS[v.indication ?? 'INDETERMINATE'] ?? INDICATION_LABELS.INDETERMINATE
          ).ja,
          subIndication: v.subIndication ?? undefined,
          signingTime: v.signingTime ? japaneseDateTime(v.signingTime) : undefined,
          validatedAt: v.validatedAt ? japaneseDateTime(v.validatedAt) : undefined,
          certified: v.certified
            ? {
                name: v.certified.name,
                address: v.certified.address,
                birthdate: birthdate(v.certified.birthdate),
                sex: v.certified.sex ? (SEX_TEXT[v.certified.sex] ?? v.certified.sex) : undefined,
              }
            : undefined,
          checks: (v.checks ?? []).map((c) => ({
            label: (CHECK_LABELS[c.check] ?? { ja: c.check }).ja,
            result: (CHECK_STATUS_LABELS[c.status] ?? { ja: c.status }).ja,
          })),
        }
      : null,
    createdAt: input.createdAt,
  };
  files.push({
    name: 'rendition.pdf',
    mediaType: 'application/pdf',
    bytes: await renderRecordPdf(rendition),
  });

  const listed = files.map((f) => ({
    name: f.name,
    sha256: sha256(f.bytes),
    size: f.bytes.length,
    mediaType: f.mediaType,
  }));
  files.push({
    name: 'record.json',
    mediaType: 'application/json',
    bytes: json({
      format: RECORD_FORMAT,
      recordId: input.recordId,
      municipality: input.municipality,
      receiptNumber: a.receiptNumber,
      form: {
        id: a.formId,
        version: a.formVersion,
        title: a.titleJa,
        sha256: a.formSha256,
      },
      classification: form.classification?.ja ?? null,
      department: form.department.ja,
      retention: {
        years: retentionYears,
        countedFrom: `${Number(retentionEnd.slice(0, 4)) - retentionYears}-04-01`,
        end: retentionEnd,
      },
      createdAt: input.createdAt.toISOString(),
      submittedAt: a.submittedAt.toISOString(),
      receivedAt: a.receivedAt.toISOString(),
      acceptedBy: input.acceptedBy,
      isSigned,
      indication: identity?.indication ?? null,
      missing,
      files: listed,
    }),
  });
  return {
    files,
    packageSha256: packageSha256(files.map((f) => ({ name: f.name, sha256: sha256(f.bytes) }))),
    retentionYears,
    retentionEnd,
    missing,
  };
}
