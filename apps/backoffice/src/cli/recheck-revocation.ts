import { ConfigError } from '@madoguchi/common';
import { AuditLog } from '../audit/audit-log';
import { loadBackofficeConfig } from '../config/backoffice.config';
import { backofficeRecheckSource } from '../config/backoffice-trust';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { RevocationCheckService } from '../revocation/revocation-check.service';

/**
 * `npm run backoffice:recheck`: the nightly 現況確認 run once, now, from the same environment as the back office
 * (for cron, or after J-LIS was down during the night). Exit 0 when every application was checked, whatever the
 * answers; 2 when J-LIS stopped answering and the run stopped early; 1 when the run itself could not be done.
 */
async function main(): Promise<void> {
  const config = loadBackofficeConfig(process.env);
  const db = await openBackofficeDatabase(config.databaseUrl);
  try {
    const started = Date.now();
    const s = await new RevocationCheckService(
      db,
      backofficeRecheckSource(config),
      undefined,
      new AuditLog(),
    ).checkAllOpen({ trigger: 'cli' });
    process.stdout.write(
      `現況確認: ${s.checked}件（有効 ${s.good}、失効 ${s.revoked}、確認できず ${s.unknown}、12時間以内に確認済み ${s.skipped}）、新たに失効 ${s.newlyRevoked}件 ${Date.now() - started} ms（監査ログに記録しました）\n`,
    );
    if (s.isStoppedEarly) {
      process.stderr.write(
        'J-LISの失効確認（OCSP・CRL）から続けて応答がないため、途中で止めました。時間をおいて、もう一度実行してください。\n',
      );
      process.exitCode = 2;
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
