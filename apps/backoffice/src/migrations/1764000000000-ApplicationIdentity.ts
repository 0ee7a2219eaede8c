import { columnTypes } from '@madoguchi/common';
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Signed applications (issue 4 §8): the identity evidence of a picked-up application and the back office's verdict. */
export class ApplicationIdentity1764000000000 implements MigrationInterface {
  name = 'ApplicationIdentity1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, json } = columnTypes(queryRunner);
    const varchar = (name: string, length: number) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: true,
    });
    const text = (name: string, isNullable = true) => ({ name, type: json, isNullable });
    await queryRunner.createTable(
      new Table({
        name: 'application_identity',
        columns: [
          { ...varchar('application_id', 36), isNullable: false, isPrimary: true },
          text('cardface'),
          { name: 'is_signed', type: 'boolean' },
          varchar('document_blob_key', 100),
          varchar('document_sha256', 64),
          varchar('cms_blob_key', 100),
          varchar('cms_sha256', 64),
          varchar('indication', 16),
          varchar('sub_indication', 40),
          text('checks'),
          text('chain'),
          text('evidence'),
          text('certified'),
          { name: 'signing_time', type: timestamp, isNullable: true },
          { name: 'validated_at', type: timestamp, isNullable: true },
          text('portal_report'),
          text('differences', false),
        ],
        foreignKeys: [
          {
            columnNames: ['application_id'],
            referencedTableName: 'application',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('application_identity');
  }
}
