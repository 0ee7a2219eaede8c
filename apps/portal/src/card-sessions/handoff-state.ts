import type { FormDefinition, LocalizedText } from '@madoguchi/forms';
import type {
  CardFailureReason,
  CardSessionEntity,
} from '../database/entities/card-session.entity';
import { formPath } from '../pages/form-view.mapper';

export interface HandoffState {
  status: 'open' | 'completed' | 'failed' | 'expired';
  expiresAt: string;
  /** where the page goes next when the card app is done */
  redirect?: string;
  message?: LocalizedText;
}

/** What the resident's page is told for each way a card session can end: what happened and what to do next. */
export const FAILURE_MESSAGES: Record<CardFailureReason, LocalizedText> = {
  PIN_BLOCKED: {
    ja: 'マイナンバーカードの暗証番号（パスワード）がロックされています。お住まいの市区町村の窓口で、ロックの解除（初期化）を行ってください。',
    en: 'The PIN (password) of your My Number Card is locked. Please have it reset at your municipal office.',
  },
  WRONG_PIN: {
    ja: '暗証番号（パスワード）が違います。残りの回数に注意して、もう一度お試しください。',
    en: 'The PIN (password) was wrong. Mind the remaining tries and try again.',
  },
  CARD_REMOVED: {
    ja: 'カードの読み取り中にカードが離れました。カードをしっかり当てたまま、もう一度お試しください。',
    en: 'The card was moved away during reading. Hold it still and try again.',
  },
  CARD_UNREADABLE: {
    ja: 'カードを読み取れませんでした。カードの向きや置き場所を変えて、もう一度お試しください。',
    en: 'The card could not be read. Change its position and try again.',
  },
  CANCELLED: {
    ja: 'アプリで操作が中止されました。もう一度お試しください。',
    en: 'It was cancelled in the app. Please try again.',
  },
  SIGNATURE_INVALID: {
    ja: '電子署名を確認できませんでした。もう一度署名してください。',
    en: 'The signature could not be verified. Please sign again.',
  },
  CERTIFICATE_REVOKED: {
    ja: '署名用電子証明書が失効しています（住所や氏名の変更などで失効します）。市区町村の窓口で電子証明書を再発行してから、もう一度申請してください。',
    en: 'Your signing certificate has been revoked (for example after moving). Have it reissued at your municipal office, then apply again.',
  },
  CERTIFICATE_INVALID: {
    ja: '署名用電子証明書を確認できませんでした。有効なマイナンバーカードで、もう一度お試しください。',
    en: 'The signing certificate could not be accepted. Try again with a valid My Number Card.',
  },
  REVOCATION_UNAVAILABLE: {
    ja: '電子証明書の有効性を確認できませんでした。しばらくしてから、もう一度署名してください。',
    en: 'The certificate status could not be checked. Please sign again a little later.',
  },
};

export function handoffState(
  session: CardSessionEntity,
  form: FormDefinition,
  now = Date.now(),
): HandoffState {
  const expiresAt = session.expiresAt.toISOString();
  if (session.status === 'completed') {
    return session.kind === 'sign'
      ? {
          status: 'completed',
          expiresAt,
          redirect: session.resultPath ?? '/',
          message: { ja: '署名が完了しました。', en: 'Signed.' },
        }
      : {
          status: 'completed',
          expiresAt,
          redirect: `${formPath(form)}/steps/1?cardface=1`,
          message: { ja: 'カードから読み取りました。', en: 'Read from the card.' },
        };
  }
  if (session.status === 'failed') {
    return {
      status: 'failed',
      expiresAt,
      message: FAILURE_MESSAGES[session.failureReason ?? 'CARD_UNREADABLE'],
    };
  }
  if (session.expiresAt.getTime() < now) {
    return {
      status: 'expired',
      expiresAt,
      message: {
        ja: 'QRコードの有効期限（10分）が切れました。「QRコードを更新する」を押してください。',
        en: 'The QR code has expired (10 minutes). Press “Refresh QR code”.',
      },
    };
  }
  return { status: 'open', expiresAt };
}
