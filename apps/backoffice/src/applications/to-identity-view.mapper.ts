import type { LocalizedText } from '@madoguchi/forms';
import type {
  ApplicationIdentityEntity,
  BasicFourView,
  IdentityDifference,
} from '../database/entities/application-identity.entity';
import type { RevocationCheckEntity } from '../database/entities/revocation-check.entity';

export const INDICATION_LABELS: Record<string, LocalizedText> = {
  'TOTAL-PASSED': { ja: '検証成功', en: 'Verified (TOTAL-PASSED)' },
  'TOTAL-FAILED': { ja: '検証失敗', en: 'Verification failed (TOTAL-FAILED)' },
  INDETERMINATE: { ja: '判定保留', en: 'Indeterminate' },
};

export const CHECK_LABELS: Record<string, LocalizedText> = {
  DOCUMENT_SHA256: { ja: '文書のハッシュ値', en: 'Document SHA-256' },
  CONTENT: { ja: '申請内容と署名文書の一致', en: 'Answers match the signed document' },
  SIGNATURE: { ja: '署名値', en: 'Signature value' },
  MESSAGE_DIGEST: { ja: 'メッセージダイジェスト', en: 'Message digest' },
  SIGNING_CERTIFICATE_V2: { ja: '署名証明書の参照', en: 'Signing certificate reference' },
  CHAIN: { ja: '証明書チェーン', en: 'Certificate chain' },
  VALIDITY_AT_SIGNING_TIME: { ja: '署名時点の有効期間', en: 'Validity at signing time' },
  KEY_USAGE: { ja: '鍵用途', en: 'Key usage' },
  POLICY: { ja: '証明書ポリシー', en: 'Certificate policy' },
  REVOCATION: { ja: '失効確認', en: 'Revocation' },
};

export const CHECK_STATUS_LABELS: Record<string, LocalizedText> = {
  PASSED: { ja: '合格', en: 'Passed' },
  FAILED: { ja: '不合格', en: 'Failed' },
  INDETERMINATE: { ja: '判定保留', en: 'Indeterminate' },
};

const ITEM_LABELS: Record<IdentityDifference['item'], LocalizedText> = {
  name: { ja: '氏名', en: 'Name' },
  address: { ja: '住所', en: 'Address' },
  birthdate: { ja: '生年月日', en: 'Date of birth' },
  sex: { ja: '性別', en: 'Sex' },
};

export const SEX_TEXT: Record<string, string> = { '1': '男性', '2': '女性', '9': '適用不能' };

function shown(item: IdentityDifference['item'], value: string | undefined): string {
  if (value === undefined) {
    return '';
  }
  if (item === 'birthdate') {
    return value.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
  }
  return item === 'sex' ? (SEX_TEXT[value] ?? value) : value;
}

function portalIndication(report: Record<string, unknown> | null): string | undefined {
  const v = report?.indication;
  return typeof v === 'string' ? v : undefined;
}

/** RFC 5280 §5.3.1 reasons as staff read them; J-LIS revokes a signing certificate as superseded when the resident moves. */
export const REVOCATION_REASON_LABELS: Record<string, LocalizedText> = {
  unspecified: { ja: '理由の記載なし', en: 'no reason given' },
  keyCompromise: { ja: '鍵の危殆化', en: 'key compromise' },
  cACompromise: { ja: '認証局の危殆化', en: 'CA compromise' },
  affiliationChanged: { ja: '所属等の変更', en: 'affiliation changed' },
  superseded: { ja: '住所変更等', en: 'superseded: address or name changed' },
  cessationOfOperation: { ja: '利用の終了', en: 'cessation of operation' },
  certificateHold: { ja: '一時停止', en: 'on hold' },
  removeFromCRL: { ja: '失効の取消し', en: 'removed from the CRL' },
  privilegeWithdrawn: { ja: '資格の取消し', en: 'privilege withdrawn' },
  aACompromise: { ja: '属性認証局の危殆化', en: 'AA compromise' },
};

export const REVOCATION_UNKNOWN_MESSAGE: LocalizedText = {
  ja: '失効情報を取得できませんでした。J-LISの失効確認（OCSP・CRL）に接続できないか、応答を確認できませんでした。時間をおいて、もう一度「現況確認」を押してください。受付時の検証結果は変わりません。',
  en: 'The revocation status could not be obtained: the J-LIS OCSP responder and CRL could not be reached or their answers could not be used. Try “Check current status” again later. The verdict at pickup is unchanged.',
};

function revocationLabel(check: RevocationCheckEntity): LocalizedText {
  switch (check.result) {
    case 'good':
      return { ja: '有効（失効していません）', en: 'Valid (not revoked)' };
    case 'revoked': {
      const reason = REVOCATION_REASON_LABELS[check.revocationReason ?? 'unspecified'] ?? {
        ja: check.revocationReason ?? '',
        en: check.revocationReason ?? '',
      };
      return { ja: `失効（${reason.ja}）`, en: `Revoked (${reason.en ?? reason.ja})` };
    }
    case 'unknown':
      return { ja: '確認できず', en: 'Could not be checked' };
  }
}

/** What the verdict at pickup said about revocation, from its REVOCATION check. */
function intakeRevocation(identity: ApplicationIdentityEntity): {
  value: string;
  label: LocalizedText;
} {
  const check = identity.checks?.find((c) => c.check === 'REVOCATION');
  switch (check?.status) {
    case 'PASSED':
      return { value: 'good', label: { ja: '有効', en: 'Valid' } };
    case 'FAILED':
      return { value: 'revoked', label: { ja: '失効', en: 'Revoked' } };
    case 'INDETERMINATE':
      return { value: 'unknown', label: { ja: '確認できず', en: 'Could not be checked' } };
    case undefined:
      return { value: 'none', label: { ja: '未確認', en: 'Not checked' } };
  }
}

export interface RevocationPanelInput {
  applicationId: string;
  /** newest first */
  checks: RevocationCheckEntity[];
  staffNames: Map<string, string>;
  canCheck: boolean;
}

/**
 * 現況確認 (issue 5 §4) beside the verdict at pickup: the latest re-check in front, the earlier ones below. The
 * verdict at pickup is shown as it was recorded; a later revocation never rewrites it.
 */
export function toRevocationView(identity: ApplicationIdentityEntity, input: RevocationPanelInput) {
  const row = (c: RevocationCheckEntity) => ({
    at: c.checkedAt.toISOString(),
    result: c.result,
    label: revocationLabel(c),
    isGood: c.result === 'good',
    isRevoked: c.result === 'revoked',
    isUnknown: c.result === 'unknown',
    revokedAt: c.revokedAt?.toISOString() ?? '',
    source: c.source?.toUpperCase() ?? '',
    by: c.checkedBy
      ? { ja: input.staffNames.get(c.checkedBy) ?? c.checkedBy }
      : { ja: '夜間の自動確認', en: 'nightly check' },
    error: c.error ?? '',
  });
  const [latest] = input.checks;
  return {
    applicationId: input.applicationId,
    intake: intakeRevocation(identity),
    latest: latest ? row(latest) : undefined,
    history: input.checks.map(row),
    canCheck: input.canCheck,
    unknownMessage: REVOCATION_UNKNOWN_MESSAGE,
  };
}

/**
 * The identity panel (issue 5 §4): the back office's own verdict with each check, the certified basic four beside
 * the entered and card-face ones, each difference marked in words (「相違」), not by colour alone.
 */
export function toIdentityView(
  identity: ApplicationIdentityEntity | null,
  entered: BasicFourView,
  revocation?: RevocationPanelInput,
) {
  if (!identity) {
    return undefined;
  }
  const differs = (item: IdentityDifference['item'], against: IdentityDifference['against']) =>
    identity.differences.some((d) => d.item === item && d.against === against);
  const indication = identity.indication ?? 'INDETERMINATE';
  const portal = portalIndication(identity.portalReport);
  return {
    isSigned: identity.isSigned,
    revocation:
      revocation && identity.isSigned && (identity.chain?.length ?? 0) >= 2
        ? toRevocationView(identity, revocation)
        : undefined,
    indication,
    indicationLabel: INDICATION_LABELS[indication] ?? INDICATION_LABELS.INDETERMINATE,
    isPassed: indication === 'TOTAL-PASSED',
    isFailed: indication === 'TOTAL-FAILED',
    subIndication: identity.subIndication ?? '',
    validatedAt: identity.validatedAt?.toISOString() ?? '',
    signingTime: identity.signingTime?.toISOString() ?? '',
    documentSha256: identity.documentSha256 ?? '',
    checks: (identity.checks ?? []).map((c) => ({
      name: c.check,
      label: CHECK_LABELS[c.check] ?? { ja: c.check },
      status: c.status,
      statusLabel: CHECK_STATUS_LABELS[c.status] ?? { ja: c.status },
      isPassed: c.status === 'PASSED',
      isIndeterminate: c.status === 'INDETERMINATE',
      subIndication: c.subIndication ?? '',
      reason: c.reason,
    })),
    portalIndication: portal ?? '',
    portalLabel: portal ? (INDICATION_LABELS[portal] ?? { ja: portal }) : undefined,
    isPortalDifferent: portal !== undefined && portal !== indication,
    hasCardface: identity.cardface !== null,
    hasDifferences: identity.differences.length > 0,
    differenceCount: identity.differences.length,
    rows: (['name', 'address', 'birthdate', 'sex'] as const).map((item) => ({
      item,
      label: ITEM_LABELS[item],
      certified: shown(item, identity.certified?.[item]),
      entered: shown(item, entered[item]),
      cardface: shown(item, identity.cardface?.[item]),
      isEnteredDifferent: differs(item, 'entered'),
      isCardfaceDifferent: differs(item, 'cardface'),
    })),
    differences: identity.differences.map((d) => ({
      label: ITEM_LABELS[d.item],
      against:
        d.against === 'entered'
          ? { ja: '入力内容', en: 'entered' }
          : { ja: '券面読取', en: 'card face' },
      certified: shown(d.item, d.certified),
      other: shown(d.item, d.other),
    })),
  };
}
