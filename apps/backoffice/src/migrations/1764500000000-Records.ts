import { columnTypes } from '@madoguchi/common';
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Records (issue 5 §8): the immutable package of an accepted application, its files, and disposal tombstones. */
export class Records1764500000000 implements MigrationInterface {
  name = 'Records1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, json } = columnTypes(queryRunner);
    const varchar = (name: string, length: number) => ({
      name,
      type: 'varchar',
      length: String(length),
    });
    await queryRunner.createTable(
      new Table({
        name: 'record',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          { ...varchar('application_id', 36), isUnique: true },
          varchar('municipality_code', 6),
          varchar('receipt_number', 64),
          varchar('form_id', 100),
          { name: 'form_version', type: 'integer' },
          varchar('package_sha256', 64),
          { name: 'retention_years', type: 'integer' },
          varchar('retention_end', 10),
          { name: 'created_at', type: timestamp },
          varchar('created_by', 36),
          varchar('state', 16),
        ],
        foreignKeys: [
          {
            columnNames: ['application_id'],
            referencedTableName: 'application',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );
    await queryRunner.createIndex(
      'record',
      new TableIndex({
        name: 'IDX_record_municipality_retention',
        columnNames: ['municipality_code', 'retention_end'],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'record_file',
        columns: [
          { ...varchar('record_id', 36), isPrimary: true },
          { ...varchar('name', 300), isPrimary: true },
          varchar('sha256', 64),
          { name: 'size', type: 'integer' },
          varchar('media_type', 100),
          varchar('blob_key', 100),
        ],
        foreignKeys: [
          {
            columnNames: ['record_id'],
            referencedTableName: 'record',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'record_disposal',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          { ...varchar('record_id', 36), isUnique: true },
          varchar('application_id', 36),
          varchar('municipality_code', 6),
          varchar('receipt_number', 64),
          varchar('form_id', 100),
          { name: 'form_version', type: 'integer' },
          varchar('package_sha256', 64),
          varchar('retention_end', 10),
          { name: 'record_created_at', type: timestamp },
          { name: 'file_count', type: 'integer' },
          { name: 'disposed_at', type: timestamp },
          varchar('approved_by', 36),
          varchar('approved_by_name', 200),
          { name: 'blob_keys', type: json },
          { name: 'files_deleted_at', type: timestamp, isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'record_disposal',
      new TableIndex({
        name: 'IDX_record_disposal_municipality',
        columnNames: ['municipality_code', 'disposed_at'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('record_disposal');
    await queryRunner.dropTable('record_file');
    await queryRunner.dropTable('record');
  }
}
