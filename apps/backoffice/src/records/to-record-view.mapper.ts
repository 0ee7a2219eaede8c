import { formatJapaneseDate, todayInJapan } from '@madoguchi/forms';
import type { ApplicationEntity } from '../database/entities/application.entity';
import type { RecordEntity } from '../database/entities/record.entity';
import type { RecordDisposalEntity } from '../database/entities/record-disposal.entity';
import type { RecordPackage } from './records.service';

const ORDER = ['record.json', 'rendition.pdf', 'document.json', 'signature.p7s', 'chain.pem'];

/** The detail page's 記録 section: package hash, retention, each file with size, hash and download link. */
export function toRecordView(pkg: RecordPackage | null, applicationId: string) {
  if (!pkg) {
    return undefined;
  }
  const rank = (name: string) => {
    const i = ORDER.indexOf(name);
    return i >= 0 ? i : ORDER.length;
  };
  const files = [...pkg.files].sort(
    (a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : 1),
  );
  const link = (name: string) =>
    `/applications/${applicationId}/record/file?name=${encodeURIComponent(name)}`;
  return {
    id: pkg.record.id,
    packageSha256: pkg.record.packageSha256,
    createdAt: pkg.record.createdAt.toISOString(),
    retentionYears: pkg.record.retentionYears,
    retentionEnd: pkg.record.retentionEnd,
    retentionEndJa: formatJapaneseDate(pkg.record.retentionEnd),
    pdfHref: link('rendition.pdf'),
    files: files.map((f) => ({
      name: f.name,
      size: f.size,
      sha256: f.sha256,
      href: link(f.name),
    })),
  };
}

export function toDisposalView(due: RecordEntity[], done: RecordDisposalEntity[], now: Date) {
  return {
    today: formatJapaneseDate(todayInJapan(now)),
    due: due.map((r) => ({
      id: r.id,
      applicationId: r.applicationId,
      receiptNumber: r.receiptNumber,
      formId: r.formId,
      formVersion: r.formVersion,
      createdAt: r.createdAt.toISOString(),
      retentionYears: r.retentionYears,
      retentionEnd: r.retentionEnd,
      retentionEndJa: formatJapaneseDate(r.retentionEnd),
      packageSha256: r.packageSha256,
    })),
    done: done.map((d) => ({
      receiptNumber: d.receiptNumber,
      formId: d.formId,
      formVersion: d.formVersion,
      department: d.department ?? '',
      receivedAt: d.receivedAt?.toISOString() ?? '',
      retentionEndJa: formatJapaneseDate(d.retentionEnd),
      packageSha256: d.packageSha256,
      fileCount: d.fileCount,
      disposedAt: d.disposedAt.toISOString(),
      approvedByName: d.approvedByName,
      isFilesDeleted: d.filesDeletedAt !== null,
    })),
  };
}

/** A disposed application's page (廃棄済み): the tombstone and the disposal register's entry, nothing personal. */
export function toTombstoneView(a: ApplicationEntity, entry: RecordDisposalEntity | null) {
  return {
    receiptNumber: a.receiptNumber,
    title: a.titleEn ? { ja: a.titleJa, en: a.titleEn } : { ja: a.titleJa },
    formId: a.formId,
    formVersion: a.formVersion,
    department: entry?.department ?? a.department ?? '',
    receivedAt: (entry?.receivedAt ?? a.receivedAt).toISOString(),
    acceptedAt: entry?.recordCreatedAt.toISOString() ?? '',
    retentionEndJa: entry ? formatJapaneseDate(entry.retentionEnd) : '',
    disposedAt: (entry?.disposedAt ?? a.disposedAt ?? a.updatedAt).toISOString(),
    approvedByName: entry?.approvedByName ?? '',
    packageSha256: entry?.packageSha256 ?? '',
    fileCount: entry?.fileCount ?? 0,
  };
}
