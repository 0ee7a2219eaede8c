import { DomainError } from '@madoguchi/common';
import type { LocalizedText } from '@madoguchi/forms';

export enum CardSessionErrorCode {
  NotFound = 'SESSION_NOT_FOUND',
  Expired = 'SESSION_EXPIRED',
  Closed = 'SESSION_CLOSED',
  WrongKind = 'SESSION_WRONG_KIND',
  OutOfOrder = 'SESSION_OUT_OF_ORDER',
  InvalidDetails = 'INVALID_CARDFACE_DETAILS',
  InvalidCertificate = 'CERTIFICATE_INVALID',
  InvalidSignature = 'SIGNATURE_INVALID',
  CertificateRevoked = 'CERTIFICATE_REVOKED',
  RevocationUnavailable = 'REVOCATION_UNAVAILABLE',
  InvalidRequest = 'INVALID_REQUEST',
}

export class CardSessionError extends DomainError<CardSessionErrorCode> {}

/** The answer of the signer API for each error: a status and a message the card app shows the resident. */
export function cardSessionMessage(code: CardSessionErrorCode): {
  status: number;
  text: LocalizedText;
} {
  switch (code) {
    case CardSessionErrorCode.NotFound:
      return {
        status: 404,
        text: {
          ja: 'この手続きは見つかりませんでした。申請の画面に表示されたQRコードを読み取り直してください。',
          en: 'This session was not found. Please scan the QR code on the application page again.',
        },
      };
    case CardSessionErrorCode.Expired:
      return {
        status: 410,
        text: {
          ja: 'QRコードの有効期限（10分）が切れました。申請の画面で「QRコードを更新する」を押して、読み取り直してください。',
          en: 'The QR code has expired (10 minutes). Press “Refresh QR code” on the application page and scan it again.',
        },
      };
    case CardSessionErrorCode.Closed:
      return {
        status: 410,
        text: {
          ja: 'この手続きは終了しています。申請の画面を確認してください。',
          en: 'This session is over. Please check the application page.',
        },
      };
    case CardSessionErrorCode.WrongKind:
    case CardSessionErrorCode.OutOfOrder:
    case CardSessionErrorCode.InvalidRequest:
      return {
        status: 400,
        text: {
          ja: '送信された内容が正しくありません。アプリを最新にして、もう一度お試しください。',
          en: 'The request was not valid. Please update the app and try again.',
        },
      };
    case CardSessionErrorCode.InvalidDetails:
      return {
        status: 422,
        text: {
          ja: 'カードから読み取った内容を確認できませんでした。もう一度カードを読み取ってください。',
          en: 'The details read from the card could not be accepted. Please read the card again.',
        },
      };
    case CardSessionErrorCode.InvalidCertificate:
      return {
        status: 422,
        text: {
          ja: '署名用電子証明書を確認できませんでした。有効なマイナンバーカードで、もう一度お試しください。',
          en: 'The signing certificate could not be accepted. Please try again with a valid My Number Card.',
        },
      };
    case CardSessionErrorCode.InvalidSignature:
      return {
        status: 422,
        text: {
          ja: '電子署名を確認できませんでした。申請の画面から、もう一度署名してください。',
          en: 'The signature could not be verified. Please sign again from the application page.',
        },
      };
    case CardSessionErrorCode.CertificateRevoked:
      return {
        status: 422,
        text: {
          ja: '署名用電子証明書が失効しています（住所や氏名の変更などで失効します）。市区町村の窓口で電子証明書を再発行してください。',
          en: 'The signing certificate has been revoked (for example after a change of address or name). Please have it reissued at your municipal office.',
        },
      };
    case CardSessionErrorCode.RevocationUnavailable:
      return {
        status: 503,
        text: {
          ja: '電子証明書の有効性を確認できませんでした。しばらくしてから、もう一度署名してください。',
          en: 'The certificate status could not be checked. Please sign again a little later.',
        },
      };
  }
}
