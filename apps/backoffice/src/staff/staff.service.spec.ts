import type { DataSource } from 'typeorm';
import { PasswordHasher } from '../auth/password.hasher';
import { openBackofficeDatabase } from '../database/backoffice.database';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { StaffService } from './staff.service';

describe('StaffService platform administrator (SQLite, real migrations)', () => {
  let db: DataSource;
  let sut: StaffService;

  beforeEach(async () => {
    db = await openBackofficeDatabase('sqlite::memory:');
    sut = new StaffService(db, new PasswordHasher({ N: 2 ** 12, r: 8, p: 1 }));
    await sut.ensureMunicipalities([{ code: '990019', name: { ja: 'まどぐち市（デモ）' } }]);
  });

  afterEach(async () => {
    await db.destroy();
  });

  const flags = async () =>
    (await db.getRepository(StaffUserEntity).find({ order: { loginId: 'ASC' } })).map(
      (u) => `${u.loginId}:${u.isPlatformAdmin}`,
    );

  it('makes the first admin of a fresh install the platform administrator', async () => {
    await expect(sut.ensureFirstAdmin('990019')).resolves.toMatch(/^[A-Za-z0-9_-]{20}$/);
    await expect(sut.ensurePlatformAdmin()).resolves.toBeUndefined();
    expect(await flags()).toEqual(['admin:true']);
  });

  it('gives an older install without one its oldest active 管理者 as platform administrator, once', async () => {
    const add = (loginId: string, role: 'admin' | 'reviewer') =>
      sut.createUser({
        loginId,
        displayName: loginId,
        password: 'a long staff password',
        role,
        municipalityCode: '990019',
        mustChangePassword: false,
      });
    await add('reviewer1', 'reviewer');
    await add('it-admin', 'admin');
    await add('it-admin2', 'admin');
    await expect(sut.ensurePlatformAdmin()).resolves.toBe('it-admin');
    await expect(sut.ensurePlatformAdmin()).resolves.toBeUndefined();
    expect(await flags()).toEqual(['it-admin:true', 'it-admin2:false', 'reviewer1:false']);
  });
});
