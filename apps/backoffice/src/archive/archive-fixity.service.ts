import type { Logger } from '@nestjs/common';
import { In, IsNull, LessThan, Or, type DataSource } from 'typeorm';
import { ArchiveConnectorEntity } from '../database/entities/archive-connector.entity';
import { ArchiveDeliveryEntity } from '../database/entities/archive-delivery.entity';
import type { ArchiveTarget } from './connectors/archive-target';
import { createTarget } from './connectors/target-factory';

/** A fixity difference to report (to 管理者 on the page, and to the audit log). */
export interface FixityFinding {
  deliveryId: string;
  municipalityCode: string;
  receiptNumber: string;
  connectorName: string;
  location: string;
  differences: string[];
}

/** Where findings go besides the delivery row (archive.providers.ts: the log and the audit log). */
export type FixityReporter = (finding: FixityFinding) => Promise<void>;

export interface FixityRunResult {
  checked: number;
  intact: number;
  failed: FixityFinding[];
  /** packages that could not be read (the target was down): checked again next time */
  unreadable: number;
}

/**
 * Fixity (issue 6 §4): re-reads delivered packages from folder, S3 and WebDAV targets (a webhook keeps nothing
 * we can read back), recomputes their manifests and compares them with what was delivered. The least recently
 * checked deliveries go first.
 */
export class ArchiveFixityService {
  constructor(
    private readonly db: DataSource,
    private readonly report: FixityReporter = () => Promise.resolve(),
    private readonly targetFor: (c: ArchiveConnectorEntity) => ArchiveTarget = createTarget,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  async run(
    options: { municipalityCode?: string; limit?: number; checkedBefore?: Date } = {},
  ): Promise<FixityRunResult> {
    const connectors = await this.db.getRepository(ArchiveConnectorEntity).findBy({
      kind: In(['folder', 's3', 'webdav']),
      ...(options.municipalityCode ? { municipalityCode: options.municipalityCode } : {}),
    });
    const result: FixityRunResult = { checked: 0, intact: 0, failed: [], unreadable: 0 };
    if (connectors.length === 0) {
      return result;
    }
    const byId = new Map(connectors.map((c) => [c.id, c]));
    // one target per connector for the run (its secret opened and its client made once, not per delivery)
    const targets = new Map<string, ArchiveTarget>();
    const due = await this.db.getRepository(ArchiveDeliveryEntity).find({
      where: {
        state: 'delivered',
        connectorId: In([...byId.keys()]),
        fixityCheckedAt: Or(IsNull(), LessThan(options.checkedBefore ?? new Date())),
      },
      order: { fixityCheckedAt: { direction: 'ASC', nulls: 'FIRST' }, deliveredAt: 'ASC' },
      take: options.limit ?? 1000,
    });
    for (const delivery of due) {
      const connector = byId.get(delivery.connectorId)!;
      let target = targets.get(connector.id);
      if (!target) {
        target = this.targetFor(connector);
        targets.set(connector.id, target);
      }
      if (!target.fixity || !delivery.location || !delivery.packageSha256) {
        continue;
      }
      let differences: string[];
      try {
        differences = (
          await target.fixity(delivery.location, connector.format, delivery.packageSha256)
        ).differences;
      } catch (e) {
        result.unreadable += 1;
        this.logger?.warn(
          `fixity of ${delivery.receiptNumber} at ${connector.name}: ${(e as Error).message}`,
        );
        continue;
      }
      result.checked += 1;
      const isIntact = differences.length === 0;
      await this.db.getRepository(ArchiveDeliveryEntity).update(
        { id: delivery.id },
        {
          fixityCheckedAt: new Date(),
          fixityState: isIntact ? 'ok' : 'failed',
          fixityDetail: isIntact ? null : differences.join('\n'),
        },
      );
      if (isIntact) {
        result.intact += 1;
        continue;
      }
      const finding: FixityFinding = {
        deliveryId: delivery.id,
        municipalityCode: delivery.municipalityCode,
        receiptNumber: delivery.receiptNumber,
        connectorName: connector.name,
        location: delivery.location,
        differences,
      };
      result.failed.push(finding);
      await this.report(finding);
    }
    return result;
  }

  /** The 管理者 page's list: deliveries whose last fixity check found a difference. */
  failures(municipalityCode: string): Promise<ArchiveDeliveryEntity[]> {
    return this.db.getRepository(ArchiveDeliveryEntity).find({
      where: { municipalityCode, fixityState: 'failed' },
      order: { fixityCheckedAt: 'DESC' },
      take: 200,
    });
  }
}
