/**
 * One back-office archive worker as its own process (the crash test kills it with SIGKILL mid-delivery):
 *   node dist/bench/support/archive-worker.child.js <database-url> <lease-ms> <attachment-bytes>
 * Delivers until nothing is due, then exits 0. Records come from SyntheticRecordSource.
 */
import { openBackofficeDatabase } from '../../apps/backoffice/src/database/backoffice.database';
import { ArchiveOutboxService } from '../../apps/backoffice/src/archive/archive-outbox.service';
import { ArchiveWorker } from '../../apps/backoffice/src/archive/archive.worker';
import { SyntheticRecordSource } from '../../apps/backoffice/src/archive/testing/synthetic-record-source';

async function main(): Promise<void> {
  const [url, leaseMs, attachmentBytes] = process.argv.slice(2);
  const db = await openBackofficeDatabase(url);
  const worker = new ArchiveWorker(
    db,
    new ArchiveOutboxService(db),
    new SyntheticRecordSource(Number(attachmentBytes)),
    {
      intervalMs: 100,
      leaseMs: Number(leaseMs),
      batchSize: 2,
      backoff: { baseMs: 10, maxMs: 100 },
    },
  );
  await worker.drain();
  await db.destroy();
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
