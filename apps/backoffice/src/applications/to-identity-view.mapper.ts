import type { LocalizedText } from '@madoguchi/forms';
import type {
  ApplicationIdentityEntity,
  BasicFourView,
  IdentityDifference,
} from '../database/entities/application-identity.entity';

export const INDICATION_LABELS: Record<string, LocalizedText> = {
  'TOTAL-PASSED': { ja: '検証成功', en: 'Verified (TOTAL-PASSED)' },
  'TOTAL-FAILED': { ja: '検証失敗', en: 'Verification failed (TOTAL-FAILED)' },
  INDETERMINATE: { ja: '判定保留', en: 'Indeterminate' },
};

const CHECK_LABELS: Record<string, LocalizedText> = {
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

const CHECK_STATUS_LABELS: Record<string, LocalizedText> = {
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

const SEX_TEXT: Record<string, string> = { '1': '男性', '2': '女性', '9': '適用不能' };

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

/**
 * The identity panel (issue 5 §4): the back office's own verdict with each check, the certified basic four beside
 * the entered and card-face ones, each difference marked in words (「相違」), not by colour alone.
 */
export function toIdentityView(identity: ApplicationIdentityEntity | null, entered: BasicFourView) {
  if (!identity) {
    return undefined;
  }
  const differs = (item: IdentityDifference['item'], against: IdentityDifference['against']) =>
    identity.differences.some((d) => d.item === item && d.against === against);
  const indication = identity.indication ?? 'INDETERMINATE';
  const portal = portalIndication(identity.portalReport);
  return {
    isSigned: identity.isSigned,
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
