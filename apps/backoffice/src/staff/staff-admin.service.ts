import { randomBytes, randomUUID } from 'node:crypto';
import { Not, type DataSource, type EntityManager } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import type { AuditLog } from '../audit/audit-log';
import type { PasswordHasher } from '../auth/password.hasher';
import type { StaffContext } from '../auth/staff-context';
import { MunicipalityEntity } from '../database/entities/municipality.entity';
import { StaffSessionEntity } from '../database/entities/staff-session.entity';
import {
  STAFF_ROLES,
  StaffUserEntity,
  type StaffRole,
} from '../database/entities/staff-user.entity';
import { StaffAdminError, StaffAdminErrorCode } from './staff-admin.error';

export const LOGIN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/;
export const MAX_DISPLAY_NAME_LENGTH = 100;

/** 120 random bits, URL-safe: typed once by the new staff member, then changed at first login. */
export function oneTimePassword(): string {
  return randomBytes(15).toString('base64url');
}

export function checkLoginId(value: unknown): string {
  const loginId = typeof value === 'string' ? value.trim() : '';
  if (!LOGIN_ID_PATTERN.test(loginId)) {
    throw new StaffAdminError(StaffAdminErrorCode.LoginIdInvalid, 'login id is malformed');
  }
  return loginId;
}

export function checkDisplayName(value: unknown): string {
  const name = typeof value === 'string' ? value.normalize('NFC').trim() : '';
  if (name.length === 0 || [...name].length > MAX_DISPLAY_NAME_LENGTH || /\p{Cc}/u.test(name)) {
    throw new StaffAdminError(StaffAdminErrorCode.DisplayNameInvalid, 'display name is invalid');
  }
  return name;
}

export function checkRole(value: unknown): StaffRole {
  const role = STAFF_ROLES.find((r) => r === value);
  if (!role) {
    throw new StaffAdminError(StaffAdminErrorCode.RoleInvalid, 'unknown role');
  }
  return role;
}

/** Inserts an account whose one-time password must be changed at first login; a taken login id is refused. */
export async function insertStaffAccount(
  em: EntityManager,
  hasher: PasswordHasher,
  input: {
    loginId: string;
    displayName: string;
    role: StaffRole;
    municipalityCode: string;
    departments?: string[];
  },
  now: Date,
): Promise<{ user: StaffUserEntity; password: string }> {
  // the login id is unique across the install (one login page for every municipality)
  if (await em.existsBy(StaffUserEntity, { loginId: input.loginId })) {
    throw new StaffAdminError(StaffAdminErrorCode.LoginIdTaken, 'login id taken');
  }
  const password = oneTimePassword();
  const user: StaffUserEntity = {
    id: randomUUID(),
    ...input,
    departments: input.departments ?? [],
    passwordHash: await hasher.hash(password),
    mustChangePassword: true,
    failedLoginCount: 0,
    lockedUntil: null,
    createdAt: now,
    passwordChangedAt: now,
    isPlatformAdmin: false,
    isDisabled: false,
    totpSecret: null,
    totpEnabledAt: null,
    totpLastStep: null,
  };
  await em.insert(StaffUserEntity, user);
  return { user, password };
}

/**
 * What a 管理者 does to the staff accounts of their own municipality (issue 5 §9). Every lookup is by id AND the
 * admin's municipality: another municipality's account is "not found", exactly like a missing one.
 */
export class StaffAdminService {
  constructor(
    private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends the change to the audit log in the same transaction: no change without its entry. */
  private async record(
    em: EntityManager,
    admin: StaffContext,
    action: string,
    target: StaffUserEntity | null,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.append(em, {
      actor: admin,
      municipalityCode: admin.municipalityCode,
      action,
      ...(target ? { targetType: 'staff_user', targetId: target.id } : {}),
      detail: target ? { loginId: target.loginId, ...detail } : detail,
    });
  }

  async list(admin: StaffContext): Promise<StaffUserEntity[]> {
    requireAdmin(admin);
    return this.db.getRepository(StaffUserEntity).find({
      where: { municipalityCode: admin.municipalityCode },
      order: { loginId: 'ASC' },
    });
  }

  async get(admin: StaffContext, id: string): Promise<StaffUserEntity> {
    requireAdmin(admin);
    return this.find(this.db.manager, admin, id);
  }

  async municipality(admin: StaffContext): Promise<MunicipalityEntity> {
    requireAdmin(admin);
    return this.db
      .getRepository(MunicipalityEntity)
      .findOneByOrFail({ code: admin.municipalityCode });
  }

  async create(
    admin: StaffContext,
    input: { loginId?: unknown; displayName?: unknown; role?: unknown; departments?: unknown },
    knownDepartments: readonly string[] = [],
  ): Promise<{ user: StaffUserEntity; password: string }> {
    requireAdmin(admin);
    const loginId = checkLoginId(input.loginId);
    const displayName = checkDisplayName(input.displayName);
    const role = checkRole(input.role);
    const departments = checkDepartments(input.departments, knownDepartments, []);
    return this.db.transaction(async (em) => {
      const created = await insertStaffAccount(
        em,
        this.hasher,
        { loginId, displayName, role, municipalityCode: admin.municipalityCode, departments },
        this.now(),
      );
      await this.record(em, admin, AuditAction.StaffCreated, created.user, {
        displayName,
        role,
        departments,
      });
      return created;
    });
  }

  /** Name and role; a change that leaves no active 管理者 (an admin demoting themselves as the last) is refused. */
  async update(
    admin: StaffContext,
    id: string,
    input: { displayName?: unknown; role?: unknown; departments?: unknown },
    knownDepartments: readonly string[] = [],
  ): Promise<{ before: StaffUserEntity; after: StaffUserEntity }> {
    requireAdmin(admin);
    const displayName = checkDisplayName(input.displayName);
    const role = checkRole(input.role);
    return this.db.transaction(async (em) => {
      const before = await this.find(em, admin, id);
      const departments = checkDepartments(input.departments, knownDepartments, before.departments);
      if (before.role === 'admin' && role !== 'admin' && !before.isDisabled) {
        await this.requireAnotherAdmin(em, admin.municipalityCode, id);
      }
      await em.update(StaffUserEntity, id, { displayName, role, departments });
      await this.record(em, admin, AuditAction.StaffUpdated, before, {
        before: {
          displayName: before.displayName,
          role: before.role,
          departments: before.departments,
        },
        after: { displayName, role, departments },
      });
      return { before, after: { ...before, displayName, role, departments } };
    });
  }

  /** Disabling ends the account's sessions at once. */
  async setDisabled(
    admin: StaffContext,
    id: string,
    isDisabled: boolean,
  ): Promise<StaffUserEntity> {
    requireAdmin(admin);
    return this.db.transaction(async (em) => {
      const user = await this.find(em, admin, id);
      if (isDisabled) {
        if (user.id === admin.id) {
          throw new StaffAdminError(StaffAdminErrorCode.CannotDisableSelf, 'cannot disable self');
        }
        if (user.role === 'admin') {
          await this.requireAnotherAdmin(em, admin.municipalityCode, id);
        }
        await em.delete(StaffSessionEntity, { staffUserId: id });
      }
      // enabling also lifts a lockout: the admin has just vouched for the account
      await em.update(StaffUserEntity, id, {
        isDisabled,
        ...(isDisabled ? {} : { failedLoginCount: 0, lockedUntil: null }),
      });
      await this.record(
        em,
        admin,
        isDisabled ? AuditAction.StaffDisabled : AuditAction.StaffEnabled,
        user,
        {},
      );
      return user;
    });
  }

  /** A new one-time password (shown once to the admin); the account's sessions end and its lockout is lifted. */
  async resetPassword(
    admin: StaffContext,
    id: string,
  ): Promise<{ user: StaffUserEntity; password: string }> {
    requireAdmin(admin);
    const password = oneTimePassword();
    const passwordHash = await this.hasher.hash(password);
    const user = await this.db.transaction(async (em) => {
      const found = await this.find(em, admin, id);
      await em.update(StaffUserEntity, id, {
        passwordHash,
        mustChangePassword: true,
        passwordChangedAt: this.now(),
        failedLoginCount: 0,
        lockedUntil: null,
      });
      await em.delete(StaffSessionEntity, { staffUserId: id });
      // the one-time password itself is never logged
      await this.record(em, admin, AuditAction.StaffPasswordReset, found, {});
      return found;
    });
    return { user, password };
  }

  /** For a lost phone: the account enrols again at its next login (when required) or from its own page. */
  async resetTotp(admin: StaffContext, id: string): Promise<StaffUserEntity> {
    requireAdmin(admin);
    return this.db.transaction(async (em) => {
      const user = await this.find(em, admin, id);
      await em.update(StaffUserEntity, id, {
        totpSecret: null,
        totpEnabledAt: null,
        totpLastStep: null,
      });
      await em.delete(StaffSessionEntity, { staffUserId: id });
      await this.record(em, admin, AuditAction.StaffTotpReset, user, {
        wasEnabled: user.totpEnabledAt !== null,
      });
      return user;
    });
  }

  async setTotpRequired(admin: StaffContext, isRequired: boolean): Promise<void> {
    requireAdmin(admin);
    await this.db.transaction(async (em) => {
      await em.update(
        MunicipalityEntity,
        { code: admin.municipalityCode },
        { isTotpRequired: isRequired },
      );
      await this.record(em, admin, AuditAction.MunicipalitySettingsChanged, null, {
        isTotpRequired: isRequired,
      });
    });
  }

  private async find(em: EntityManager, admin: StaffContext, id: string): Promise<StaffUserEntity> {
    const user = await em.findOneBy(StaffUserEntity, {
      id,
      municipalityCode: admin.municipalityCode,
    });
    if (!user) {
      throw new StaffAdminError(StaffAdminErrorCode.NotFound, 'staff account not found');
    }
    return user;
  }

  private async requireAnotherAdmin(
    em: EntityManager,
    municipalityCode: string,
    exceptId: string,
  ): Promise<void> {
    const others = await em.countBy(StaffUserEntity, {
      municipalityCode,
      role: 'admin',
      isDisabled: false,
      id: Not(exceptId),
    });
    if (others === 0) {
      throw new StaffAdminError(StaffAdminErrorCode.LastAdmin, 'the last active admin');
    }
  }
}

/**
 * 担当課 from the form (checkboxes: one value or several); only departments of the municipality's forms, or ones
 * the account already had (a form since removed), are kept.
 */
export function checkDepartments(
  value: unknown,
  known: readonly string[],
  current: readonly string[],
): string[] {
  const chosen = (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
    (v): v is string => typeof v === 'string',
  );
  const allowed = new Set([...known, ...current]);
  if (chosen.some((d) => !allowed.has(d))) {
    throw new StaffAdminError(StaffAdminErrorCode.DepartmentUnknown, 'unknown department');
  }
  return [...new Set(chosen)].sort((a, b) => a.localeCompare(b, 'ja'));
}

function requireAdmin(staff: StaffContext): void {
  if (staff.role !== 'admin') {
    throw new StaffAdminError(StaffAdminErrorCode.NotPermitted, 'only a 管理者 manages staff');
  }
}
