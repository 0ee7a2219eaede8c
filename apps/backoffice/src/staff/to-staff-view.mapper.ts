import type { LocalizedText } from '@madoguchi/forms';
import type { StaffContext } from '../auth/staff-context';
import {
  STAFF_ROLES,
  type StaffRole,
  type StaffUserEntity,
} from '../database/entities/staff-user.entity';

export const ROLE_LABELS: Record<StaffRole, LocalizedText> = {
  admin: { ja: '管理者', en: 'Administrator' },
  reviewer: { ja: '審査者', en: 'Reviewer' },
  viewer: { ja: '閲覧者', en: 'Viewer' },
  auditor: { ja: '監査者', en: 'Auditor' },
};

export const ROLE_HELP: Record<StaffRole, LocalizedText> = {
  admin: {
    ja: '様式・職員・連携の設定（情報政策課）',
    en: 'forms, staff and connectors (IT department)',
  },
  reviewer: { ja: '担当部署の申請を審査', en: 'reviews the applications of their departments' },
  viewer: { ja: '申請を見るだけ', en: 'reads applications only' },
  auditor: { ja: '監査ログだけ', en: 'the audit log only' },
};

export function roleChoices(current: string | undefined) {
  return STAFF_ROLES.map((value) => ({
    value,
    label: ROLE_LABELS[value],
    help: ROLE_HELP[value],
    isChecked: value === current,
  }));
}

export function toStaffRow(user: StaffUserEntity, now: Date) {
  const isLocked = user.lockedUntil !== null && user.lockedUntil > now;
  return {
    id: user.id,
    loginId: user.loginId,
    displayName: user.displayName,
    role: ROLE_LABELS[user.role],
    isDisabled: user.isDisabled,
    isLocked,
    hasTotp: user.totpEnabledAt !== null,
    mustChangePassword: user.mustChangePassword,
    isPlatformAdmin: user.isPlatformAdmin,
    createdAt: user.createdAt,
  };
}

/** The header of every staff page (the layout's menu reads role and isPlatformAdmin). */
export function staffFrame(staff: StaffContext, municipality: LocalizedText) {
  return {
    staff: {
      displayName: staff.displayName,
      loginId: staff.loginId,
      role: staff.role,
      isPlatformAdmin: staff.isPlatformAdmin,
    },
    municipality,
  };
}
