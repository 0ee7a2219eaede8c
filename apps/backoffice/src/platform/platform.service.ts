import { isMunicipalityCode } from '@madoguchi/forms';
import type { DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import type { AuditLog } from '../audit/audit-log';
import type { PasswordHasher } from '../auth/password.hasher';
import type { StaffContext } from '../auth/staff-context';
import { MunicipalityEntity } from '../database/entities/municipality.entity';
import { StaffUserEntity } from '../database/entities/staff-user.entity';
import { StaffAdminError, StaffAdminErrorCode } from '../staff/staff-admin.error';
import {
  checkDisplayName,
  checkLoginId,
  insertStaffAccount,
  MAX_DISPLAY_NAME_LENGTH,
} from '../staff/staff-admin.service';

export interface MunicipalityRow {
  code: string;
  nameJa: string;
  nameEn: string | null;
  staffCount: number;
  isTotpRequired: boolean;
  createdAt: Date;
}

/** Municipalities on a shared install (issue 5 §1): the platform administrator adds one and its first 管理者. */
export class PlatformService {
  constructor(
    private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(platformAdmin: StaffContext): Promise<MunicipalityRow[]> {
    requirePlatformAdmin(platformAdmin);
    const municipalities = await this.db
      .getRepository(MunicipalityEntity)
      .find({ order: { code: 'ASC' } });
    const counts = await this.db
      .getRepository(StaffUserEntity)
      .createQueryBuilder('u')
      .select('u.municipality_code', 'code')
      .addSelect('COUNT(*)', 'n')
      .groupBy('u.municipality_code')
      .getRawMany<{ code: string; n: string | number }>();
    const byCode = new Map(counts.map((c) => [c.code, Number(c.n)]));
    return municipalities.map((m) => ({
      code: m.code,
      nameJa: m.nameJa,
      nameEn: m.nameEn,
      staffCount: byCode.get(m.code) ?? 0,
      isTotpRequired: m.isTotpRequired,
      createdAt: m.createdAt,
    }));
  }

  /**
   * The 全国地方公共団体コード with its check digit, the name, and the first 管理者 (a one-time password, returned
   * to be shown once), in one transaction: a refused admin leaves no municipality behind.
   */
  async add(
    platformAdmin: StaffContext,
    input: {
      code?: unknown;
      nameJa?: unknown;
      nameEn?: unknown;
      adminLoginId?: unknown;
      adminDisplayName?: unknown;
    },
  ): Promise<{ municipality: MunicipalityEntity; adminLoginId: string; password: string }> {
    requirePlatformAdmin(platformAdmin);
    const code = typeof input.code === 'string' ? input.code.normalize('NFKC').trim() : '';
    if (!isMunicipalityCode(code)) {
      throw new StaffAdminError(
        StaffAdminErrorCode.MunicipalityCodeInvalid,
        'not a 全国地方公共団体コード',
      );
    }
    const nameJa = municipalityName(input.nameJa);
    if (!nameJa) {
      throw new StaffAdminError(StaffAdminErrorCode.MunicipalityNameInvalid, 'name required');
    }
    const nameEn = municipalityName(input.nameEn) || null;
    const adminLoginId = checkLoginId(input.adminLoginId);
    const adminDisplayName = checkDisplayName(input.adminDisplayName);
    return this.db.transaction(async (em) => {
      if (await em.existsBy(MunicipalityEntity, { code })) {
        throw new StaffAdminError(StaffAdminErrorCode.MunicipalityExists, 'municipality exists');
      }
      const municipality: MunicipalityEntity = {
        code,
        nameJa,
        nameEn,
        isTotpRequired: false,
        createdAt: this.now(),
      };
      await em.insert(MunicipalityEntity, municipality);
      const { user, password } = await insertStaffAccount(
        em,
        this.hasher,
        {
          loginId: adminLoginId,
          displayName: adminDisplayName,
          role: 'admin',
          municipalityCode: code,
        },
        this.now(),
      );
      await this.audit.append(em, {
        actor: platformAdmin,
        municipalityCode: code,
        action: AuditAction.MunicipalityCreated,
        targetType: 'municipality',
        targetId: code,
        detail: { nameJa, nameEn, adminLoginId },
      });
      await this.audit.append(em, {
        actor: platformAdmin,
        municipalityCode: code,
        action: AuditAction.StaffCreated,
        targetType: 'staff_user',
        targetId: user.id,
        detail: { loginId: adminLoginId, displayName: adminDisplayName, role: 'admin' },
      });
      return { municipality, adminLoginId, password };
    });
  }
}

function municipalityName(value: unknown): string {
  const name = typeof value === 'string' ? value.normalize('NFC').trim() : '';
  if ([...name].length > MAX_DISPLAY_NAME_LENGTH || /\p{Cc}/u.test(name)) {
    throw new StaffAdminError(StaffAdminErrorCode.MunicipalityNameInvalid, 'name too long');
  }
  return name;
}

function requirePlatformAdmin(staff: StaffContext): void {
  if (!staff.isPlatformAdmin) {
    throw new StaffAdminError(StaffAdminErrorCode.NotPermitted, 'platform administrators only');
  }
}
