import { columnTypes } from '@madoguchi/common';
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Staff accounts (issue 5 §1, §9): platform administrators, disabled accounts, TOTP two-factor (optional per
 * municipality) and idle session expiry.
 */
export class StaffAccounts1764200000000 implements MigrationInterface {
  name = 'StaffAccounts1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = columnTypes(queryRunner);
    // the literal each driver writes for an entity's `default: false` (SQLite stores booleans as 0/1)
    const isPostgres = queryRunner.connection.driver.options.type === 'postgres';
    const flag = (name: string) =>
      new TableColumn({ name, type: 'boolean', default: isPostgres ? false : 0 });
    await queryRunner.addColumns('municipality', [flag('is_totp_required')]);
    await queryRunner.addColumns('staff_user', [
      flag('is_platform_admin'),
      flag('is_disabled'),
      new TableColumn({ name: 'totp_secret', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'totp_enabled_at', type: timestamp, isNullable: true }),
      new TableColumn({ name: 'totp_last_step', type: 'integer', isNullable: true }),
    ]);
    await queryRunner.addColumns('staff_session', [
      new TableColumn({ name: 'last_seen_at', type: timestamp, isNullable: true }),
      new TableColumn({ name: 'pending_factor', type: 'varchar', length: '16', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('staff_session', ['last_seen_at', 'pending_factor']);
    await queryRunner.dropColumns('staff_user', [
      'is_platform_admin',
      'is_disabled',
      'totp_secret',
      'totp_enabled_at',
      'totp_last_step',
    ]);
    await queryRunner.dropColumns('municipality', ['is_totp_required']);
  }
}
