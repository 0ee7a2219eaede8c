import { stringify } from 'csv-stringify/sync';
import type { DataSource } from 'typeorm';
import { ArchiveConnectorEntity } from '../database/entities/archive-connector.entity';
import { ArchiveDeliveryEntity } from '../database/entities/archive-delivery.entity';
import { japanTime, neutraliseCell } from '../search/csv-export';

export interface ReconciliationRow {
  /** the day the records were accepted (Japan time), YYYY-MM-DD */
  date: string;
  connector: string;
  kind: string;
  accepted: number;
  delivered: number;
  pending: number;
  dead: number;
}

/**
 * Reconciliation (issue 6 §2): per day (Japan time) and connector, the records accepted for delivery and how many
 * of them are delivered, still pending, or in the dead letters. `accepted − delivered` is what the archive lacks.
 */
export async function reconciliation(
  db: DataSource,
  municipalityCode: string,
  from: Date,
  to: Date,
): Promise<ReconciliationRow[]> {
  const connectors = new Map(
    (await db.getRepository(ArchiveConnectorEntity).findBy({ municipalityCode })).map((c) => [
      c.id,
      c,
    ]),
  );
  const rows = await db
    .getRepository(ArchiveDeliveryEntity)
    .createQueryBuilder('d')
    .select(['d.connectorId', 'd.acceptedAt', 'd.state'])
    .where('d.municipality_code = :code', { code: municipalityCode })
    .andWhere('d.accepted_at >= :from AND d.accepted_at < :to', { from, to })
    .getMany();
  const table = new Map<string, ReconciliationRow>();
  for (const row of rows) {
    const connector = connectors.get(row.connectorId);
    const date = japanTime(row.acceptedAt).slice(0, 10);
    const key = `${date}\u0000${row.connectorId}`;
    const entry = table.get(key) ?? {
      date,
      connector: connector?.name ?? row.connectorId,
      kind: connector?.kind ?? '',
      accepted: 0,
      delivered: 0,
      pending: 0,
      dead: 0,
    };
    entry.accepted += 1;
    entry[row.state === 'delivered' ? 'delivered' : row.state === 'dead' ? 'dead' : 'pending'] += 1;
    table.set(key, entry);
  }
  return [...table.values()].sort(
    (a, b) => a.date.localeCompare(b.date) || a.connector.localeCompare(b.connector),
  );
}

/** The report as CSV for Excel: UTF-8 with BOM, Japanese headers. */
export function reconciliationCsv(rows: ReconciliationRow[]): string {
  return (
    '\uFEFF' +
    stringify(
      rows.map((r) => [
        r.date,
        neutraliseCell(r.connector),
        r.kind,
        r.accepted,
        r.delivered,
        r.pending,
        r.dead,
        r.accepted - r.delivered,
      ]),
      {
        header: true,
        columns: [
          '受付日',
          '接続先',
          '種類',
          '受付件数',
          '送付済み',
          '送付待ち',
          '送付失敗（要対応）',
          '未送付',
        ],
        record_delimiter: '\r\n',
      },
    )
  );
}
