import { columnTypes } from '@madoguchi/common';
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** 現況確認 (issue 5 §4): each later revocation check of a signed application, beside the verdict at intake. */
export class RevocationCheck1764700000000 implements MigrationInterface {
  name = 'RevocationCheck1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, json } = columnTypes(queryRunner);
    const varchar = (name: string, length: number, isNullable = false) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });
    await queryRunner.createTable(
      new Table({
        name: 'revocation_check',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          varchar('application_id', 36),
          { name: 'checked_at', type: timestamp },
          varchar('checked_by', 36, true),
          varchar('run', 16),
          varchar('result', 16),
          varchar('source', 8, true),
          { name: 'revoked_at', type: timestamp, isNullable: true },
          varchar('revocation_reason', 40, true),
          { name: 'error', type: 'text', isNullable: true },
          { name: 'evidence', type: json, isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['application_id'],
            referencedTableName: 'application',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            columnNames: ['checked_by'],
            referencedTableName: 'staff_user',
            referencedColumnNames: ['id'],
          },
        ],
        indices: [
          {
            name: 'IDX_revocation_check_application',
            columnNames: ['application_id', 'checked_at'],
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('revocation_check');
  }
}
