import { ConfigError, FileBlobStore } from '@madoguchi/common';
import { formatJapaneseDate, todayInJapan } from '@madoguchi/forms';
import { join } from 'node:path';
import { AuditLog } from '../audit/audit-log';
import { loadBackofficeConfig } from '../config/backoffice.config';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { RecordDisposalService } from '../records/record-disposal.service';

/**
 * `npm run backoffice:disposal [-- --municipality 990019] [-- --json]`: the disposal job. Lists the records past
 * retention (保存期間満了) for a 管理者 to approve on /records/disposal (approval is a staff action, never done
 * here), and finishes deleting the files of disposals that were interrupted. Exit 0 with nothing due, 3 when
 * records wait for approval (for cron mail), 1 when it could not run.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--municipality');
  const municipality = at >= 0 ? (args[at + 1] ?? '') : null;
  if (municipality !== null && !/^\d{6}$/.test(municipality)) {
    throw new ConfigError(['--municipality: give the 6-digit 全国地方公共団体コード']);
  }
  const config = loadBackofficeConfig(process.env);
  const db = await openBackofficeDatabase(config.databaseUrl);
  try {
    const sut = new RecordDisposalService(
      db,
      new FileBlobStore(join(config.dataDir, 'blobs')),
      new AuditLog(),
    );
    const finished = await sut.finishPending();
    const now = new Date();
    const due = await sut.listPastRetention(municipality, now);
    if (args.includes('--json')) {
      process.stdout.write(
        `${JSON.stringify(
          due.map((r) => ({
            recordId: r.id,
            municipalityCode: r.municipalityCode,
            receiptNumber: r.receiptNumber,
            formId: r.formId,
            retentionEnd: r.retentionEnd,
            packageSha256: r.packageSha256,
          })),
          null,
          2,
        )}\n`,
      );
    } else {
      process.stdout.write(
        `保存期間が満了した記録: ${due.length}件（${formatJapaneseDate(todayInJapan(now))}現在）\n`,
      );
      for (const r of due) {
        process.stdout.write(
          `  ${r.municipalityCode} ${r.receiptNumber} ${r.formId} 満了 ${r.retentionEnd} SHA-256 ${r.packageSha256}\n`,
        );
      }
      if (due.length > 0) {
        process.stdout.write(
          '管理者が職員用画面の「記録の廃棄」（/records/disposal）で確認し、承認してください。\n',
        );
      }
      if (finished.disposals > 0) {
        process.stdout.write(
          `中断していた廃棄のファイル削除を完了しました: ${finished.disposals}件\n`,
        );
      }
    }
    if (due.length > 0) {
      process.exitCode = 3;
    }
  } finally {
    await db.destroy();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof ConfigError ? e.message : String((e as Error).stack ?? e)}\n`,
  );
  process.exit(1);
});
