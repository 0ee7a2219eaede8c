import { Controller, Get, Inject, Query, Render, UseGuards } from '@nestjs/common';
import type { StaffContext } from '../auth/staff-context';
import { StaffService } from '../staff/staff.service';
import { Roles } from '../web/roles';
import { CurrentStaff, SessionGuard } from '../web/session.guard';
import { AuditAction } from './audit-action';
import { auditQueryString, AuditViewService, parseAuditQuery } from './audit-view.service';

const DETAIL_MAX = 200;

/** Japanese labels of the actions; a constant without one is shown as it is. */
const ACTION_LABELS: Partial<Record<string, string>> = {
  [AuditAction.LoginSucceeded]: 'ログイン',
  [AuditAction.LoginFailed]: 'ログイン失敗',
  [AuditAction.Logout]: 'ログアウト',
  [AuditAction.PasswordChanged]: 'パスワード変更',
  [AuditAction.ApplicationViewed]: '申請の閲覧',
  [AuditAction.ApplicationListed]: '申請一覧の表示',
  [AuditAction.AttachmentDownloaded]: '添付ファイルのダウンロード',
  [AuditAction.ArchiveFixityFailed]: '保管先の不一致（固定性検査）',
  [AuditAction.RecordFileDownloaded]: '記録ファイルのダウンロード',
  [AuditAction.SignedDocumentDownloaded]: '署名付き文書のダウンロード',
  [AuditAction.SignatureDownloaded]: '署名のダウンロード',
  [AuditAction.ApplicationStatusChanged]: '状態の変更',
  [AuditAction.ApplicationAssigned]: '担当者の割当',
  [AuditAction.ApplicationCommented]: 'コメント',
  [AuditAction.RevocationChecked]: '現況確認',
  [AuditAction.RevocationRecheckRun]: '現況確認（夜間の一括実行）',
  [AuditAction.ApplicationReceived]: '申請の受付',
  [AuditAction.ExportCsv]: 'CSV出力',
  [AuditAction.StaffCreated]: '職員の登録',
  [AuditAction.StaffUpdated]: '職員の変更',
  [AuditAction.StaffDeleted]: '職員の削除',
  [AuditAction.StaffDisabled]: '職員の無効化',
  [AuditAction.StaffEnabled]: '職員の有効化',
  [AuditAction.StaffPasswordReset]: 'パスワードの再発行',
  [AuditAction.StaffTotpReset]: '二要素認証の解除',
  [AuditAction.TotpEnrolled]: '二要素認証の登録',
  [AuditAction.MunicipalitySettingsChanged]: '自治体設定の変更',
  [AuditAction.MunicipalityCreated]: '自治体の登録',
  [AuditAction.ConnectorChanged]: '連携先の変更',
  [AuditAction.RecordCreated]: '記録の作成',
  [AuditAction.RecordDisposalApproved]: '廃棄の承認',
  [AuditAction.RecordDisposed]: '記録の廃棄',
  [AuditAction.AuditViewed]: '監査ログの閲覧',
  [AuditAction.AuditVerified]: '監査ログの検証',
};

/**
 * The audit log viewer (issue 5 §7) for 監査者 and 管理者: their municipality's entries, filtered, 50 a page by
 * seq, with the whole chain's verification on top. Viewing is not itself appended (it would grow the chain on
 * every page view).
 */
@Controller('audit')
@UseGuards(SessionGuard)
export class AuditController {
  constructor(
    @Inject(AuditViewService) private readonly view: AuditViewService,
    @Inject(StaffService) private readonly staffService: StaffService,
  ) {}

  @Get()
  @Roles('auditor', 'admin')
  @Render('audit/list')
  async list(@CurrentStaff() staff: StaffContext, @Query() query: Record<string, unknown>) {
    const { filter, before } = parseAuditQuery(query);
    const [page, verdict, municipality] = await Promise.all([
      this.view.page(staff.municipalityCode, filter, before),
      this.view.verify(),
      this.staffService.municipalityName(staff.municipalityCode),
    ]);
    return {
      pageTitle: { ja: '監査ログ', en: 'Audit log' },
      staff: { displayName: staff.displayName, loginId: staff.loginId, role: staff.role },
      municipality,
      verdict,
      filter,
      actionOptions: Object.values(AuditAction)
        .map((value) => ({
          value,
          label: ACTION_LABELS[value] ?? value,
          isSelected: value === filter.action,
        }))
        .sort((a, b) => a.value.localeCompare(b.value)),
      rows: page.entries.map((e) => ({
        seq: e.seq,
        occurredAt: e.occurredAt,
        actor: e.actorLoginId ?? 'system',
        actorRole: e.actorRole,
        action: e.action,
        actionLabel: ACTION_LABELS[e.action],
        target: [e.targetType, e.targetId].filter(Boolean).join(': '),
        detail: e.detail.length > DETAIL_MAX ? `${e.detail.slice(0, DETAIL_MAX)}…` : e.detail,
      })),
      olderHref:
        page.older !== undefined ? `/audit?${auditQueryString(filter, page.older)}` : undefined,
      newestHref: before !== undefined ? `/audit?${auditQueryString(filter)}` : undefined,
    };
  }
}
