/**
 * npm run bench:audit — issue 5 §7: what the 監査者's /audit view costs to verify with a large audit log.
 *
 * A fresh back-office database through the real migrations (SQLite, or PostgreSQL with --url); `--entries` chained
 * entries written in batches (hashes computed as AuditLog.append does); then the time of the whole walk
 * (`npm run audit:verify`), of the first view (no checkpoint yet: from the start), and of a later view after
 * `--since` new entries (from the checkpoint on), each the median of `--runs`.
 *
 * Run: npm run bench:audit [-- --entries 200000 --since 50 --runs 5 --url postgres://…]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditAction } from '../apps/backoffice/src/audit/audit-action';
import {
  canonicalDetail,
  GENESIS_HASH,
  hashAuditEntry,
  loadCanonicalize,
  type AuditChainFields,
} from '../apps/backoffice/src/audit/audit-chain';
import { AuditLog } from '../apps/backoffice/src/audit/audit-log';
import { openBackofficeDatabase } from '../apps/backoffice/src/database/backoffice.database';
import {
  AuditChainHeadEntity,
  AuditLogEntity,
  AuditVerifyCheckpointEntity,
} from '../apps/backoffice/src/database/entities/audit-log.entity';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '200000' },
    since: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
    url: { type: 'string' },
  },
});
const ENTRIES = Number(args.entries);
const SINCE = Number(args.since);
const RUNS = Number(args.runs);
const BATCH = 500;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  const url = args.url ?? `sqlite:${join(dir, 'backoffice.sqlite')}`;
  const db = await openBackofficeDatabase(url);
  try {
    const canonicalize = await loadCanonicalize();
    let prevHash = GENESIS_HASH;
    const written = await timed(async () => {
      for (let from = 1; from <= ENTRIES; from += BATCH) {
        const rows: AuditLogEntity[] = [];
        for (let seq = from; seq < Math.min(from + BATCH, ENTRIES + 1); seq++) {
          const fields: AuditChainFields = {
            seq,
            occurredAt: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
            actorId: null,
            actorLoginId: `staff${seq % 40}`,
            actorRole: 'reviewer',
            municipalityCode: '990019',
            action: AuditAction.ApplicationViewed,
            targetType: 'application',
            targetId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
            detail: canonicalDetail(canonicalize, { receiptNumber: `R-${seq}` }),
            prevHash,
          };
          prevHash = hashAuditEntry(canonicalize, fields);
          rows.push({ ...fields, hash: prevHash });
        }
        await db.transaction(async (em) => {
          await em.insert(AuditLogEntity, rows);
          await em.update(
            AuditChainHeadEntity,
            { id: 1 },
            { seq: rows[rows.length - 1].seq, hash: prevHash },
          );
        });
      }
    });
    console.log(
      `audit log: ${ENTRIES} entries written in ${(written.ms / 1000).toFixed(1)} s (${db.options.type})`,
    );
    const audit = new AuditLog();
    const full: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await timed(() => audit.verify(db));
      if (!run.result.isIntact) {
        throw new Error(`chain broken: ${JSON.stringify(run.result)}`);
      }
      full.push(run.ms);
    }
    console.log(
      `whole chain (npm run audit:verify, the viewer before): median ${median(full).toFixed(0)} ms`,
    );
    const firstViews: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await db.getRepository(AuditVerifyCheckpointEntity).clear();
      firstViews.push((await timed(() => audit.verifySinceCheckpoint(db))).ms);
    }
    console.log(`first view, no checkpoint yet: median ${median(firstViews).toFixed(0)} ms`);
    const laterViews: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      for (let n = 0; n < SINCE; n++) {
        await audit.append(db.manager, {
          actor: { loginId: 'bench' },
          municipalityCode: '990019',
          action: AuditAction.ApplicationViewed,
          detail: { n },
        });
      }
      const run = await timed(() => audit.verifySinceCheckpoint(db));
      if (!run.result.isIntact) {
        throw new Error(`chain broken: ${JSON.stringify(run.result)}`);
      }
      laterViews.push(run.ms);
    }
    console.log(
      `later view, ${SINCE} entries since the checkpoint: median ${median(laterViews).toFixed(1)} ms`,
    );
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
