import { columnTypes } from '@madoguchi/common';
import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Review workflow (issue 5 §3): the assignee of an application, the link between a returned application and the
 * resident's corrected one (both ways, by receipt number), and staff-only comments.
 */
export class ReviewWorkflow1764400000000 implements MigrationInterface {
  name = 'ReviewWorkflow1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = columnTypes(queryRunner);
    await queryRunner.addColumns('application', [
      new TableColumn({ name: 'assignee_id', type: 'varchar', length: '36', isNullable: true }),
      new TableColumn({
        name: 'corrects_receipt_number',
        type: 'varchar',
        length: '64',
        isNullable: true,
      }),
      new TableColumn({
        name: 'corrected_by_receipt_number',
        type: 'varchar',
        length: '64',
        isNullable: true,
      }),
    ]);
    await queryRunner.createIndex(
      'application',
      new TableIndex({
        name: 'IDX_application_municipality_assignee',
        columnNames: ['municipality_code', 'assignee_id'],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'application_comment',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'application_id', type: 'varchar', length: '36' },
          { name: 'author_id', type: 'varchar', length: '36' },
          { name: 'body', type: 'text' },
          { name: 'created_at', type: timestamp },
        ],
        foreignKeys: [
          {
            columnNames: ['application_id'],
            referencedTableName: 'application',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            columnNames: ['author_id'],
            referencedTableName: 'staff_user',
            referencedColumnNames: ['id'],
          },
        ],
        indices: [
          { name: 'IDX_application_comment_application', columnNames: ['application_id', 'id'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('application_comment');
    await queryRunner.dropIndex('application', 'IDX_application_municipality_assignee');
    await queryRunner.dropColumn('application', 'corrected_by_receipt_number');
    await queryRunner.dropColumn('application', 'corrects_receipt_number');
    await queryRunner.dropColumn('application', 'assignee_id');
  }
}
