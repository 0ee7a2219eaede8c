import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import {
  createTallyTriggers,
  dropTallyTriggers,
  recountTally,
} from '../database/application-tally';

/** Indexes of the list page: each filter, then (received_at, id), the keyset order (issue 5 §5). */
export const LIST_INDEXES: Array<[string, string[]]> = [
  ['IDX_application_list_received', ['municipality_code', 'received_at', 'id']],
  ['IDX_application_list_status', ['municipality_code', 'status', 'received_at', 'id']],
  ['IDX_application_list_form', ['municipality_code', 'form_id', 'received_at', 'id']],
  ['IDX_application_list_department', ['municipality_code', 'department', 'received_at', 'id']],
];
/** Name search: a prefix of the folded name or kana; status and the keyset order ride along (covering). */
export const NAME_INDEXES: Array<[string, string]> = [
  ['IDX_application_search_name', 'search_name'],
  ['IDX_application_search_kana', 'search_kana'],
];

/**
 * Search and lists at scale (issue 5 §5): the form's department (担当課), the applicant's name as shown and folded
 * for search, their indexes, and the per-status tally kept by triggers. Rows already stored are filled in at boot
 * (the form catalog is not known here): see `search/search-backfill.ts`.
 */
export class ApplicationSearch1764300000000 implements MigrationInterface {
  name = 'ApplicationSearch1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const isPostgres = queryRunner.connection.driver.options.type === 'postgres';
    // a plain ADD COLUMN on both engines (TypeORM would rebuild the SQLite table)
    for (const column of ['department', 'applicant_name', 'search_name', 'search_kana']) {
      await queryRunner.query(`ALTER TABLE application ADD COLUMN ${column} varchar(200)`);
    }
    for (const [name, columns] of LIST_INDEXES) {
      await queryRunner.createIndex('application', new TableIndex({ name, columnNames: columns }));
    }
    for (const [name, column] of NAME_INDEXES) {
      const columns = ['municipality_code', column, 'status', 'received_at', 'id'];
      if (isPostgres) {
        // LIKE 'prefix%' uses a btree index only with the pattern operator class (under any collation)
        await queryRunner.query(
          `CREATE INDEX "${name}" ON application (municipality_code, ${column} varchar_pattern_ops, status, received_at, id)`,
        );
      } else {
        // known to TypeORM, so a later table rebuild (SQLite ADD COLUMN through TypeORM) keeps it
        await queryRunner.createIndex(
          'application',
          new TableIndex({ name, columnNames: columns }),
        );
      }
    }
    await queryRunner.createTable(
      new Table({
        name: 'application_tally',
        columns: [
          { name: 'municipality_code', type: 'varchar', length: '6', isPrimary: true },
          { name: 'form_id', type: 'varchar', length: '100', isPrimary: true },
          { name: 'department', type: 'varchar', length: '200', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16', isPrimary: true },
          { name: 'received_day', type: 'varchar', length: '10', isPrimary: true },
          { name: 'count', type: 'integer' },
        ],
      }),
    );
    await createTallyTriggers(queryRunner, isPostgres);
    await recountTally(queryRunner, isPostgres);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const isPostgres = queryRunner.connection.driver.options.type === 'postgres';
    await dropTallyTriggers(queryRunner, isPostgres);
    await queryRunner.dropTable('application_tally');
    for (const [name] of [...NAME_INDEXES, ...LIST_INDEXES]) {
      await queryRunner.query(`DROP INDEX "${name}"`);
    }
    for (const column of ['search_kana', 'search_name', 'applicant_name', 'department']) {
      await queryRunner.query(`ALTER TABLE application DROP COLUMN ${column}`);
    }
  }
}
