import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import { AuditLog } from '../audit/audit-log';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { AuditLogEntity } from '../database/entities/audit-log.entity';
import { fixityAuditReporter } from './archive.providers';

describe('fixityAuditReporter (SQLite, real migrations)', () => {
  let dir: string;
  let db: DataSource;
  const audit = new AuditLog();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bo-fixity-audit-'));
    db = await openBackofficeDatabase(`sqlite:${join(dir, 'backoffice.sqlite')}`);
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs a fixity finding and appends it to the audit chain with what differs', async () => {
    const warnings: string[] = [];
    const report = fixityAuditReporter(db, audit, { warn: (m: string) => warnings.push(m) });
    await report({
      deliveryId: '0b8f0f5e-7c4a-4f39-9d1c-2b6a4c1e9a01',
      municipalityCode: '990019',
      receiptNumber: 'R20261129-000001',
      connectorName: '文書管理フォルダ',
      location: '/archive/R20261129-000001',
      differences: ['data/rendition.pdf: SHA-256 differs'],
    });

    expect(warnings).toEqual([expect.stringContaining('R20261129-000001')]);
    const rows = await db.getRepository(AuditLogEntity).findBy({
      action: AuditAction.ArchiveFixityFailed,
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      municipalityCode: '990019',
      targetType: 'archive_delivery',
      targetId: '0b8f0f5e-7c4a-4f39-9d1c-2b6a4c1e9a01',
      actorLoginId: null,
    });
    expect(JSON.parse(rows[0].detail)).toEqual({
      connector: '文書管理フォルダ',
      differences: ['data/rendition.pdf: SHA-256 differs'],
      location: '/archive/R20261129-000001',
      receiptNumber: 'R20261129-000001',
    });
    await expect(audit.verify(db)).resolves.toMatchObject({ isIntact: true, count: 1 });
  });
});
