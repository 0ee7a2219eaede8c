import type { Municipality } from '@madoguchi/forms';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { PasswordHasher } from '../auth/password.hasher';
import type { StaffContext } from '../auth/staff-context';
import { MunicipalityEntity } from '../database/entities/municipality.entity';
import { StaffUserEntity, type StaffRole } from '../database/entities/staff-user.entity';
import { staffFrame } from './to-staff-view.mapper';

export const FIRST_ADMIN_LOGIN = 'admin';

/** Municipalities and staff accounts at start-up and for tests (the pages: StaffAdminService, PlatformService). */
export class StaffService {
  constructor(
    private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
  ) {}

  /**
   * Adds municipalities not yet known (from forms/<code>/municipality.yaml); existing rows are kept. Insert-if-absent:
   * two processes starting at once do not trip over each other's row.
   */
  async ensureMunicipalities(municipalities: readonly Municipality[]): Promise<void> {
    const repo = this.db.getRepository(MunicipalityEntity);
    for (const m of municipalities) {
      if (!(await repo.existsBy({ code: m.code }))) {
        await repo
          .createQueryBuilder()
          .insert()
          .values({
            code: m.code,
            nameJa: m.name.ja,
            nameEn: m.name.en ?? null,
            createdAt: new Date(),
          })
          .orIgnore()
          .execute();
      }
    }
  }

  /**
   * An install from before platform administrators existed has none: the oldest active 管理者 becomes one, so that
   * someone can add municipalities. Returns their login id when it did.
   */
  async ensurePlatformAdmin(): Promise<string | undefined> {
    const users = this.db.getRepository(StaffUserEntity);
    if (await users.existsBy({ isPlatformAdmin: true })) {
      return undefined;
    }
    const oldest = await users.findOne({
      where: { role: 'admin', isDisabled: false },
      order: { createdAt: 'ASC', loginId: 'ASC' },
    });
    if (!oldest) {
      return undefined;
    }
    await users.update(oldest.id, { isPlatformAdmin: true });
    return oldest.loginId;
  }

  async municipalityName(code: string): Promise<{ ja: string; en?: string }> {
    const m = await this.db.getRepository(MunicipalityEntity).findOneBy({ code });
    return m ? { ja: m.nameJa, ...(m.nameEn ? { en: m.nameEn } : {}) } : { ja: code };
  }

  /** The frame of a staff page (header: name, municipality, role and platform-admin flags for the menu). */
  async pageFrame(staff: StaffContext) {
    return staffFrame(staff, await this.municipalityName(staff.municipalityCode));
  }

  async createUser(input: {
    loginId: string;
    displayName: string;
    password: string;
    role: StaffRole;
    municipalityCode: string;
    mustChangePassword: boolean;
    isPlatformAdmin?: boolean;
    /** 担当課 of a reviewer (the forms' `department.ja`); none by default */
    departments?: string[];
  }): Promise<StaffUserEntity> {
    const user = await this.newUser(input);
    await this.db.getRepository(StaffUserEntity).insert(user);
    return user;
  }

  private async newUser(
    input: Parameters<StaffService['createUser']>[0],
  ): Promise<StaffUserEntity> {
    const now = new Date();
    const user: StaffUserEntity = {
      id: randomUUID(),
      loginId: input.loginId,
      displayName: input.displayName,
      passwordHash: await this.hasher.hash(input.password),
      mustChangePassword: input.mustChangePassword,
      role: input.role,
      municipalityCode: input.municipalityCode,
      departments: input.departments ?? [],
      failedLoginCount: 0,
      lockedUntil: null,
      createdAt: now,
      passwordChangedAt: now,
      isPlatformAdmin: input.isPlatformAdmin ?? false,
      isDisabled: false,
      totpSecret: null,
      totpEnabledAt: null,
      totpLastStep: null,
    };
    return user;
  }

  /**
   * First start: when there is no staff account at all, creates the IT admin with a random one-time password
   * (changed at first login) and returns it so that it can be shown once. Later starts return undefined. This first
   * account is also the platform administrator, who adds further municipalities and their first 管理者.
   *
   * Several processes may start at once on a new database (they also take turns: acquireStartupLock): the account
   * is inserted only if its login id is absent (one statement against the unique login_id), and only the process
   * whose row it is returns the password, so exactly one account is made and exactly one password is shown.
   */
  async ensureFirstAdmin(municipalityCode: string): Promise<string | undefined> {
    const users = this.db.getRepository(StaffUserEntity);
    if ((await users.count()) > 0) {
      return undefined;
    }
    const password = randomBytes(15).toString('base64url');
    const admin = await this.newUser({
      loginId: FIRST_ADMIN_LOGIN,
      displayName: '情報政策課 管理者',
      password,
      role: 'admin',
      municipalityCode,
      mustChangePassword: true,
      isPlatformAdmin: true,
    });
    await users.createQueryBuilder().insert().values(admin).orIgnore().execute();
    const stored = await users.findOneBy({ loginId: FIRST_ADMIN_LOGIN });
    return stored?.id === admin.id ? password : undefined;
  }
}
