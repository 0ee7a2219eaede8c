import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '@madoguchi/common';

export class InitialPortalSchema1763900000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'draft',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'municipality_code', type: 'varchar', length: '6' },
          { name: 'form_id', type: 'varchar', length: '64' },
          { name: 'form_version', type: 'integer' },
          { name: 'raw_values', type: t.json },
          { name: 'attachments', type: t.json },
          { name: 'max_step', type: 'integer' },
          { name: 'created_at', type: t.timestamp },
          { name: 'updated_at', type: t.timestamp },
          { name: 'expires_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ name: 'idx_draft_expires_at', columnNames: ['expires_at'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'application',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'receipt_number', type: 'varchar', length: '32', isUnique: true },
          { name: 'secret_hash', type: 'varchar', length: '64' },
          { name: 'municipality_code', type: 'varchar', length: '6' },
          { name: 'form_id', type: 'varchar', length: '64' },
          { name: 'form_version', type: 'integer' },
          { name: 'form_sha256', type: 'varchar', length: '64' },
          { name: 'form_title', type: t.json },
          { name: 'answers', type: t.json, isNullable: true },
          { name: 'attachments', type: t.json, isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'status_message', type: 'text', isNullable: true },
          { name: 'status_version', type: 'integer' },
          { name: 'submitted_at', type: t.timestamp },
          { name: 'picked_up_at', type: t.timestamp, isNullable: true },
          { name: 'status_changed_at', type: t.timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({
            name: 'idx_application_pending',
            columnNames: ['picked_up_at', 'submitted_at'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'transfer_nonce',
        columns: [
          { name: 'nonce', type: 'varchar', length: '32', isPrimary: true },
          { name: 'expires_at', type: t.timestamp },
        ],
        indices: [
          new TableIndex({ name: 'idx_transfer_nonce_expires_at', columnNames: ['expires_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('transfer_nonce');
    await queryRunner.dropTable('application');
    await queryRunner.dropTable('draft');
  }
}
