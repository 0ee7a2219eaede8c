import { columnTypes } from '@madoguchi/common';
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The back office's first schema (issue 2 §8); runs unchanged on SQLite and PostgreSQL. */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = columnTypes(queryRunner);
    const varchar = (name: string, length: number, isNullable = false) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });
    const increment = {
      name: 'id',
      type: 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment' as const,
    };

    await queryRunner.createTable(
      new Table({
        name: 'municipality',
        columns: [
          { ...varchar('code', 6), isPrimary: true },
          varchar('name_ja', 200),
          varchar('name_en', 200, true),
          { name: 'created_at', type: timestamp },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'staff_user',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          { ...varchar('login_id', 64), isUnique: true },
          varchar('display_name', 200),
          varchar('password_hash', 255),
          { name: 'must_change_password', type: 'boolean' },
          varchar('role', 16),
          varchar('municipality_code', 6),
          { name: 'failed_login_count', type: 'integer', default: 0 },
          { name: 'locked_until', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
          { name: 'password_changed_at', type: timestamp },
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
        name: 'staff_session',
        columns: [
          { ...varchar('id_hash', 64), isPrimary: true },
          varchar('staff_user_id', 36),
          { name: 'created_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
        ],
        foreignKeys: [
          {
            columnNames: ['staff_user_id'],
            referencedTableName: 'staff_user',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [{ name: 'IDX_staff_session_user', columnNames: ['staff_user_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'application',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          { ...varchar('portal_id', 64), isUnique: true },
          { ...varchar('receipt_number', 64), isUnique: true },
          varchar('municipality_code', 6),
          varchar('form_id', 100),
          { name: 'form_version', type: 'integer' },
          varchar('form_sha256', 64),
          varchar('title_ja', 300),
          varchar('title_en', 300, true),
          { name: 'answers', type: 'text' },
          varchar('status', 16),
          { name: 'status_version', type: 'integer' },
          { name: 'submitted_at', type: timestamp },
          { name: 'received_at', type: timestamp },
          { name: 'updated_at', type: timestamp },
        ],
        indices: [
          {
            name: 'IDX_application_municipality_status',
            columnNames: ['municipality_code', 'status'],
          },
          {
            name: 'IDX_application_municipality_submitted',
            columnNames: ['municipality_code', 'submitted_at'],
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'attachment',
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('application_id', 36),
          varchar('portal_attachment_id', 64),
          varchar('field_id', 100),
          varchar('file_name', 255),
          varchar('media_type', 100),
          { name: 'size', type: 'integer' },
          varchar('sha256', 64),
          varchar('blob_key', 100),
        ],
        foreignKeys: [
          {
            columnNames: ['application_id'],
            referencedTableName: 'application',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [{ name: 'IDX_attachment_application', columnNames: ['application_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'status_change',
        columns: [
          increment,
          varchar('application_id', 36),
          varchar('from_status', 16),
          varchar('to_status', 16),
          varchar('changed_by', 36),
          { name: 'changed_at', type: timestamp },
          { name: 'reason', type: 'text', isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['application_id'],
            referencedTableName: 'application',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            columnNames: ['changed_by'],
            referencedTableName: 'staff_user',
            referencedColumnNames: ['id'],
          },
        ],
        indices: [{ name: 'IDX_status_change_application', columnNames: ['application_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'status_outbox',
        columns: [
          increment,
          varchar('receipt_number', 64),
          varchar('status', 16),
          { name: 'message', type: 'text', isNullable: true },
          { name: 'version', type: 'integer' },
          { name: 'changed_at', type: timestamp },
          { name: 'pushed_at', type: timestamp, isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'status_outbox',
      new TableIndex({ name: 'IDX_status_outbox_pushed', columnNames: ['pushed_at', 'id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'status_outbox',
      'status_change',
      'attachment',
      'application',
      'staff_session',
      'staff_user',
      'municipality',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
