import { DomainError } from '@madoguchi/common';
import type { LocalizedText } from '@madoguchi/forms';

export enum PortalErrorCode {
  MunicipalityNotFound = 'MUNICIPALITY_NOT_FOUND',
  FormNotFound = 'FORM_NOT_FOUND',
  DraftExpired = 'DRAFT_EXPIRED',
  StepNotFound = 'STEP_NOT_FOUND',
  IdentityRequired = 'IDENTITY_REQUIRED',
  StatusNotFound = 'STATUS_NOT_FOUND',
  AttachmentNotFound = 'ATTACHMENT_NOT_FOUND',
  UploadTooLarge = 'UPLOAD_TOO_LARGE',
  CorrectionNotOpen = 'CORRECTION_NOT_OPEN',
}

export class PortalError extends DomainError<PortalErrorCode> {}

/** What a resident reads for each error: what happened and what to do next. */
export function residentMessage(code: PortalErrorCode): { status: number; text: LocalizedText } {
  switch (code) {
    case PortalErrorCode.MunicipalityNotFound:
      return {
        status: 404,
        text: {
          ja: 'お探しの自治体は見つかりませんでした。トップページから自治体を選び直してください。',
          en: 'That municipality was not found. Please choose it again from the top page.',
        },
      };
    case PortalErrorCode.FormNotFound:
      return {
        status: 404,
        text: {
          ja: 'お探しの申請書は見つかりませんでした。申請一覧から選び直してください。',
          en: 'That application form was not found. Please choose it again from the list.',
        },
      };
    case PortalErrorCode.DraftExpired:
      return {
        status: 410,
        text: {
          ja: '入力中の内容の保存期間が過ぎたか、見つかりませんでした。お手数ですが、最初から入力してください。',
          en: 'Your saved answers have expired or could not be found. Please start the form again.',
        },
      };
    case PortalErrorCode.StepNotFound:
      return {
        status: 404,
        text: {
          ja: 'そのページはありません。申請書の最初のページから進んでください。',
          en: 'That page does not exist. Please continue from the first page of the form.',
        },
      };
    case PortalErrorCode.IdentityRequired:
      return {
        status: 409,
        text: {
          ja: 'この申請は、マイナンバーカードで電子署名をして提出します。確認画面の「マイナンバーカードで署名して申請する」から進んでください。',
          en: 'This application is submitted by signing it with your My Number Card. Please use “Sign with My Number Card and submit” on the review page.',
        },
      };
    case PortalErrorCode.StatusNotFound:
      return {
        status: 404,
        text: {
          ja: '受付番号または確認用のリンクが正しくありません。申請完了時に表示されたリンクを開いてください。',
          en: 'The receipt number or status link is not correct. Please open the link shown when you submitted.',
        },
      };
    case PortalErrorCode.AttachmentNotFound:
      return {
        status: 404,
        text: {
          ja: '添付ファイルが見つかりませんでした。もう一度添付してください。',
          en: 'The attachment was not found. Please attach it again.',
        },
      };
    case PortalErrorCode.UploadTooLarge:
      return {
        status: 413,
        text: {
          ja: 'ファイルが大きすぎます。ファイルのサイズを小さくしてから、もう一度添付してください。',
          en: 'The file is too large. Please make it smaller and attach it again.',
        },
      };
    case PortalErrorCode.CorrectionNotOpen:
      return {
        status: 409,
        text: {
          ja: 'この申請は修正して再申請できる状態ではありません（差戻し中でないか、すでに再申請済みです）。状況確認ページで現在の状況をご確認ください。',
          en: 'This application cannot be corrected now (it is not returned for correction, or a correction was already sent). Please check its status page.',
        },
      };
  }
}
