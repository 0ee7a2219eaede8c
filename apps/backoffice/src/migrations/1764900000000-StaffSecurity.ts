import { columnTypes } from '@madoguchi/common';
import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

const totpSecret = (length: number) =>
  new TableColumn({
    name: 'totp_secret',
    type: 'varchar',
    length: String(length),
    isNullable: true,
  });

/**
 * Staff security (issue 5 §9, issue 6 §3): room for sealed TOTP secrets (the plaintext ones are sealed at start-up,
 * where the key is known: database/stored-secrets.ts), the wrong-TOTP count of a pending login kept in the database,
 * and the per-client rate limit of POST /login shared by every process.
 */
export class StaffSecurity1764900000000 implements MigrationInterface {
  name = 'StaffSecurity1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = columnTypes(queryRunner);
    await queryRunner.changeColumn('staff_user', 'totp_secret', totpSecret(255));
    await queryRunner.addColumns('staff_session', [
      new TableColumn({ name: 'totp_failed_count', type: 'integer', default: 0 }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'login_throttle',
        columns: [
          { name: 'client_key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'window_started_at', type: timestamp },
          { name: 'attempts', type: 'integer' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('login_throttle');
    await queryRunner.dropColumns('staff_session', ['totp_failed_count']);
    // sealed values do not fit the old width: they go (TOTP is enrolled again)
    await queryRunner.query(
      'UPDATE "staff_user" SET "totp_secret" = NULL, "totp_enabled_at" = NULL, "totp_last_step" = NULL WHERE length("totp_secret") > 64',
    );
    await queryRunner.changeColumn('staff_user', 'totp_secret', totpSecret(64));
  }
}
