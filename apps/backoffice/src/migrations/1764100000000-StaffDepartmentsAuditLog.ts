import { columnTypes } from '@madoguchi/common';
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The hash of "no entry yet": the first entry's prevHash. */
const GENESIS_HASH = '0'.repeat(64);

/**
 * Issue 5 §2 and §7: the reviewers' 担当課 (staff_user.departments) and the hash-chained audit log, append-only
 * by triggers on both engines (an UPDATE, DELETE or, on PostgreSQL, TRUNCATE of audit_log is refused).
 */
export class StaffDepartmentsAuditLog1764100000000 implements MigrationInterface {
  name = 'StaffDepartmentsAuditLog1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { json } = columnTypes(queryRunner);
    const isPostgres = queryRunner.connection.driver.options.type === 'postgres';
    const varchar = (name: string, length: number, isNullable = false) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });

    // a plain ADD COLUMN on both engines (TypeORM would rebuild the SQLite table)
    await queryRunner.query(
      `ALTER TABLE staff_user ADD COLUMN departments ${json} NOT NULL DEFAULT '[]'`,
    );

    await queryRunner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          { name: 'seq', type: 'integer', isPrimary: true },
          varchar('occurred_at', 24),
          varchar('actor_id', 36, true),
          varchar('actor_login_id', 64, true),
          varchar('actor_role', 16, true),
          varchar('municipality_code', 6, true),
          varchar('action', 64),
          varchar('target_type', 32, true),
          varchar('target_id', 100, true),
          { name: 'detail', type: 'text' },
          varchar('prev_hash', 64),
          varchar('hash', 64),
        ],
        indices: [
          { name: 'IDX_audit_log_municipality_seq', columnNames: ['municipality_code', 'seq'] },
          { name: 'IDX_audit_log_occurred', columnNames: ['occurred_at'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_chain_head',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'seq', type: 'integer' },
          varchar('hash', 64),
        ],
      }),
    );
    await queryRunner.query(
      `INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}')`,
    );

    if (isPostgres) {
      await queryRunner.query(`CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END
$$ LANGUAGE plpgsql`);
      await queryRunner.query(`CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
      await queryRunner.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
    } else {
      for (const event of ['UPDATE', 'DELETE']) {
        await queryRunner.query(`CREATE TRIGGER audit_log_no_${event.toLowerCase()} BEFORE ${event} ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END`);
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const isPostgres = queryRunner.connection.driver.options.type === 'postgres';
    // dropping the table drops its triggers on both engines
    await queryRunner.dropTable('audit_chain_head');
    await queryRunner.dropTable('audit_log');
    if (isPostgres) {
      await queryRunner.query('DROP FUNCTION audit_log_append_only()');
    }
    await queryRunner.dropColumn('staff_user', 'departments');
  }
}
