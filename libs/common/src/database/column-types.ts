import type { QueryRunner } from 'typeorm';

/** Column types that differ between SQLite and PostgreSQL, for migrations that run on both. */
export function columnTypes(queryRunner: QueryRunner): { timestamp: string; json: string } {
  const isPostgres = queryRunner.connection.driver.options.type === 'postgres';
  return {
    timestamp: isPostgres ? 'timestamp' : 'datetime',
    json: 'text',
  };
}
