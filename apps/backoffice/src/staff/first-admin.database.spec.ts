import { acquireStartupLock, dataSourceOptions } from '@madoguchi/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { testDatabaseUrl } from '../../../../test/support/test-database';
import { PasswordHasher } from '../auth/password.hasher';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS } from '../database/backoffice.entities';
import { MunicipalityEntity } from '../database/entities/municipality.entity';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { FIRST_ADMIN_LOGIN, StaffService } from './staff.service';

const engine = process.env.TEST_POSTGRES_URL ? 'PostgreSQL' : 'SQLite';

describe(`first start of several processes on one database (${engine})`, () => {
  const hasher = new PasswordHasher({ N: 2 ** 12, r: 8, p: 1 });
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bo-first-admin-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes exactly one first admin, and one password, when two connections seed at once', async () => {
    const url = await testDatabaseUrl('bo_first_admin', dir);
    const first = await openBackofficeDatabase(url);
    // a second, independent connection: another process as far as the database can tell
    const second = await new DataSource(
      dataSourceOptions(url, BACKOFFICE_ENTITIES, BACKOFFICE_MIGRATIONS),
    ).initialize();
    try {
      const municipality = [{ code: '990019', name: { ja: 'まどぐち市（デモ）' } }];
      const services = [new StaffService(first, hasher), new StaffService(second, hasher)];
      // both see an empty database before either inserts (the hash between count and insert takes a while)
      await Promise.all(services.map((s) => s.ensureMunicipalities(municipality)));
      const passwords = await Promise.all(services.map((s) => s.ensureFirstAdmin('990019')));
      expect(passwords.filter((p) => p !== undefined)).toHaveLength(1);
      const admins = await first.getRepository(StaffUserEntity).find();
      expect(admins.map((u) => u.loginId)).toEqual([FIRST_ADMIN_LOGIN]);
      await expect(first.getRepository(MunicipalityEntity).count()).resolves.toBe(1);
      // the password shown is the one that opens the account
      const shown = passwords.find((p) => p !== undefined) as string;
      await expect(hasher.verify(shown, admins[0].passwordHash)).resolves.toBe(true);
    } finally {
      await second.destroy();
      await first.destroy();
    }
  });

  it('lets one start-up at a time hold the start-up lock; the next waits for its release', async () => {
    const url = await testDatabaseUrl('bo_startup_lock', dir);
    const events: string[] = [];
    const holder = await acquireStartupLock(url, 'test start-up');
    events.push('first holds');
    const waiter = acquireStartupLock(url, 'test start-up').then((lock) => {
      events.push('second holds');
      return lock;
    });
    // the waiter must still be waiting after the first has had time to do its work
    await new Promise((r) => setTimeout(r, 300));
    events.push('first releases');
    await holder.release();
    await (await waiter).release();
    expect(events).toEqual(['first holds', 'first releases', 'second holds']);
  });
});
