import { columnTypes } from '@madoguchi/common';
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Disposal removes the resident's data (issue 5 §8): `application.disposed_at` marks the tombstone left of a disposed
 * application; the disposal register (record_disposal) keeps the department and the day received too. And the
 * audit viewer's verified checkpoint (issue 5 §7): the last entry whose chain up to it was verified.
 */
export class DisposalRegister1765000000000 implements MigrationInterface {
  name = 'DisposalRegister1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = columnTypes(queryRunner);
    // plain ADD COLUMN on both engines (TypeORM would rebuild the SQLite table and its triggers)
    await queryRunner.query(`ALTER TABLE application ADD COLUMN disposed_at ${timestamp}`);
    await queryRunner.query('ALTER TABLE record_disposal ADD COLUMN department varchar(200)');
    await queryRunner.query(`ALTER TABLE record_disposal ADD COLUMN received_at ${timestamp}`);
    await queryRunner.createTable(
      new Table({
        name: 'audit_verify_checkpoint',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'seq', type: 'integer' },
          { name: 'hash', type: 'varchar', length: '64' },
          { name: 'verified_at', type: timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_verify_checkpoint');
    await queryRunner.query('ALTER TABLE record_disposal DROP COLUMN received_at');
    await queryRunner.query('ALTER TABLE record_disposal DROP COLUMN department');
    await queryRunner.query('ALTER TABLE application DROP COLUMN disposed_at');
  }
}
