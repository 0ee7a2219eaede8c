import { TestEnvironment } from 'jest-environment-node';
import { CREATED_DATABASES_KEY, dropTestDatabases } from './test-database';

/**
 * jest's node environment, plus: after a test file's last afterAll (its apps closed, or not), the PostgreSQL
 * databases the file created through testDatabaseUrl are dropped, and leftovers of earlier runs older than a day.
 * An environment rather than an afterAll in a setup file: jest runs afterAll hooks in declaration order, so a setup
 * file's hook would drop the databases before the test file's own afterAll closes its apps.
 */
export default class TestDatabaseEnvironment extends TestEnvironment {
  override async teardown(): Promise<void> {
    const created = (this.global as Record<string, unknown>)[CREATED_DATABASES_KEY] as
      string[] | undefined;
    const pg = process.env.TEST_POSTGRES_URL;
    try {
      if (pg && created?.length) {
        const report = await dropTestDatabases(created, pg);
        for (const { name, error } of report.failed) {
          console.warn(`test database ${name} not dropped: ${error}`);
        }
      }
    } finally {
      await super.teardown();
    }
  }
}
