import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '@madoguchi/common';

/**
 * Corrections after 差戻し (issue 5 §3): the draft and the application a correction belongs to, the link from the
 * returned application to its correction, and the answers the back office sent back to prefill it.
 */
export class Corrections1764400000001 implements MigrationInterface {
  name = 'Corrections1764400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    const receipt = (name: string) =>
      new TableColumn({ name, type: 'varchar', length: '32', isNullable: true });
    await queryRunner.addColumn('draft', receipt('corrects'));
    await queryRunner.addColumns('application', [
      receipt('corrects'),
      receipt('corrected_by'),
      new TableColumn({ name: 'correction_answers', type: t.json, isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('application', 'correction_answers');
    await queryRunner.dropColumn('application', 'corrected_by');
    await queryRunner.dropColumn('application', 'corrects');
    await queryRunner.dropColumn('draft', 'corrects');
  }
}
