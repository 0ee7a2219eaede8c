import { columnTypes } from '@madoguchi/common';
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Archive connectors and the archive outbox (issue 6). */
export class ArchiveDelivery1764600000000 implements MigrationInterface {
  name = 'ArchiveDelivery1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = columnTypes(queryRunner);
    const varchar = (name: string, length: number, isNullable = false) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });
    const text = (name: string, isNullable = true) => ({ name, type: 'text', isNullable });
    const time = (name: string, isNullable = false) => ({ name, type: timestamp, isNullable });

    await queryRunner.createTable(
      new Table({
        name: 'archive_connector',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('municipality_code', 6),
          varchar('name', 100),
          varchar('kind', 16),
          varchar('format', 16),
          text('settings', false),
          text('secret'),
          text('form_ids', false),
          { name: 'is_enabled', type: 'boolean' },
          { name: 'max_attempts', type: 'integer' },
          time('created_at'),
          time('updated_at'),
        ],
        uniques: [
          { name: 'UQ_archive_connector_name', columnNames: ['municipality_code', 'name'] },
        ],
        foreignKeys: [
          {
            columnNames: ['municipality_code'],
            referencedTableName: 'municipality',
            referencedColumnNames: ['code'],
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'archive_delivery',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          { ...varchar('idempotency_key', 80), isUnique: true },
          varchar('record_id', 36),
          varchar('application_id', 36, true),
          varchar('connector_id', 36),
          varchar('municipality_code', 6),
          varchar('receipt_number', 64),
          varchar('state', 16),
          { name: 'attempts', type: 'integer' },
          time('next_attempt_at'),
          varchar('claimed_by', 100, true),
          time('claimed_until', true),
          text('last_error'),
          text('last_response'),
          text('location'),
          varchar('package_sha256', 64, true),
          time('accepted_at'),
          time('delivered_at', true),
          time('fixity_checked_at', true),
          varchar('fixity_state', 16, true),
          text('fixity_detail'),
        ],
        foreignKeys: [
          {
            columnNames: ['connector_id'],
            referencedTableName: 'archive_connector',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );
    await queryRunner.createIndex(
      'archive_delivery',
      new TableIndex({
        name: 'IDX_archive_delivery_due',
        columnNames: ['state', 'next_attempt_at'],
      }),
    );
    await queryRunner.createIndex(
      'archive_delivery',
      new TableIndex({
        name: 'IDX_archive_delivery_accepted',
        columnNames: ['municipality_code', 'accepted_at'],
      }),
    );
    await queryRunner.createIndex(
      'archive_delivery',
      new TableIndex({ name: 'IDX_archive_delivery_record', columnNames: ['record_id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('archive_delivery');
    await queryRunner.dropTable('archive_connector');
  }
}
