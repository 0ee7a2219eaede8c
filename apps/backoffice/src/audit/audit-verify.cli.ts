import { createDataSource, dataSourceOptions, redactUrl } from '@madoguchi/common';
import { loadBackofficeConfig } from '../config/backoffice.config';
import { BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS } from '../database/backoffice.entities';
import { AuditLog } from './audit-log';

/**
 * `npm run audit:verify`: walks the back office's audit chain (BACKOFFICE_DATABASE_URL, as the app reads it) and
 * prints OK with the count and the head hash (worth writing down elsewhere: a rewritten chain gets a new head),
 * or the first broken entry and what differs. Reads only: it runs no migrations and repairs nothing.
 * Exit codes: 0 intact, 1 broken, 2 could not check.
 */
async function main(): Promise<number> {
  const config = loadBackofficeConfig(process.env);
  const db = createDataSource(
    dataSourceOptions(config.databaseUrl, BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS),
  );
  await db.initialize();
  try {
    const verdict = await new AuditLog().verify(db);
    if (verdict.isIntact) {
      process.stdout.write(
        `OK: audit chain intact, ${verdict.count} entries (${redactUrl(config.databaseUrl)})\n` +
          `head: seq ${verdict.headSeq} sha256 ${verdict.headHash}\n`,
      );
      return 0;
    }
    process.stdout.write(
      `BROKEN: audit chain broken at seq ${verdict.seq} (${verdict.count} entries before it are intact)\n` +
        `${verdict.problem}\n`,
    );
    return 1;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`audit:verify could not check the chain: ${(e as Error).message ?? e}\n`);
    process.exit(2);
  },
);
