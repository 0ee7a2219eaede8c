import { dataSourceOptions } from '@madoguchi/common';
import { DataSource } from 'typeorm';
import { BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS } from './backoffice.entities';

/** Opens the back office's own database and brings its schema up to date (migrations only, never synchronize). */
export async function openBackofficeDatabase(url: string): Promise<DataSource> {
  const dataSource = new DataSource(
    dataSourceOptions(url, BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS),
  );
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (e) {
    await dataSource.destroy();
    throw e;
  }
  return dataSource;
}
