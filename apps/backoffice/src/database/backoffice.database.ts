import { createDataSource, dataSourceOptions } from '@madoguchi/common';
import type { DataSource } from 'typeorm';
import { ensureApplicationTally } from './application-tally';
import { BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS } from './backoffice.entities';

/** Opens the back office's own database and brings its schema up to date (migrations only, never synchronize). */
export async function openBackofficeDatabase(url: string): Promise<DataSource> {
  const dataSource = createDataSource(
    dataSourceOptions(url, BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS),
  );
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    await ensureApplicationTally(dataSource);
    if (dataSource.options.type === 'better-sqlite3') {
      // a disposal (廃棄) leaves no deleted personal data readable in the file's free space
      await dataSource.query('PRAGMA secure_delete = ON');
      // planner statistics for the list indexes (sqlite.org/lang_analyze.html: cheap with an analysis limit)
      await dataSource.query('PRAGMA analysis_limit = 1000');
      await dataSource.query('PRAGMA optimize = 0x10002');
    }
  } catch (e) {
    await dataSource.destroy();
    throw e;
  }
  return dataSource;
}
