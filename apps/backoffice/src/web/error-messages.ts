import type { LocalizedText } from '@madoguchi/forms';
import { ApplicationErrorCode } from '../applications/application.error';
import { MAX_COMMENT_LENGTH } from '../applications/status-transition';
import { AuthErrorCode } from '../auth/auth.error';
import { MIN_PASSWORD_LENGTH } from '../auth/auth.service';

/** Staff-facing messages; the exhaustive switch makes a new code without a message a compile error. */
export function applicationErrorMessage(code: ApplicationErrorCode): LocalizedText {
  switch (code) {
    case ApplicationErrorCode.NotFound:
      return {
        ja: '申請が見つかりません。一覧から選び直してください。',
        en: 'Application not found. Choose it again from the list.',
      };
    case ApplicationErrorCode.AttachmentNotFound:
      return { ja: '添付ファイルが見つかりません。', en: 'Attachment not found.' };
    case ApplicationErrorCode.StatusMissing:
      return { ja: '新しい状態を選んでください。', en: 'Choose the new status.' };
    case ApplicationErrorCode.TransitionNotAllowed:
      return {
        ja: 'この状態には変更できません。選べる状態から選んでください。',
        en: 'The application cannot move to that status. Choose one of the statuses offered.',
      };
    case ApplicationErrorCode.MessageRequired:
      return {
        ja: '差戻し・却下のときは、申請者へのメッセージ（理由や直してほしい点）を入力してください。',
        en: 'For “returned” or “rejected”, write a message to the resident (the reason or what to correct).',
      };
    case ApplicationErrorCode.MessageTooLong:
      return {
        ja: '申請者へのメッセージは1000文字以内にしてください。',
        en: 'Keep the message to the resident within 1000 characters.',
      };
    case ApplicationErrorCode.StaleVersion:
      return {
        ja: 'この申請は、ほかの職員が先に更新しました。最新の内容を確認してから、もう一度変更してください。',
        en: 'Another staff member updated this application first. Check the latest state, then change it again.',
      };
    case ApplicationErrorCode.NotPermitted:
      return {
        ja: 'この申請の審査（状態の変更・担当の割り当て・コメント）はできません。担当課の審査者か管理者が行います。',
        en: 'You cannot review this application (status, assignment, comments). A reviewer of its department or an administrator can.',
      };
    case ApplicationErrorCode.AlreadyCorrected:
      return {
        ja: 'この申請は申請者が修正して再申請済みです。再申請された申請の方を審査してください。',
        en: 'The resident has already sent a corrected application. Review the corrected one instead.',
      };
    case ApplicationErrorCode.AssigneeNotEligible:
      return {
        ja: '選んだ職員には割り当てられません。この申請の担当課の審査者か管理者を選んでください。',
        en: 'That staff member cannot be assigned. Choose a reviewer of this department or an administrator.',
      };
    case ApplicationErrorCode.CommentEmpty:
      return { ja: 'コメントを入力してください。', en: 'Write a comment.' };
    case ApplicationErrorCode.CommentTooLong:
      return {
        ja: `コメントは${MAX_COMMENT_LENGTH}文字以内にしてください。`,
        en: `Keep the comment within ${MAX_COMMENT_LENGTH} characters.`,
      };
    case ApplicationErrorCode.NotSigned:
      return {
        ja: 'この申請には、現況確認できる署名用電子証明書が記録されていません（電子署名のない申請か、受付時に証明書を読み取れなかった申請です）。',
        en: 'No signing certificate is recorded for this application (it was not signed, or the certificate could not be read at pickup), so its current status cannot be checked.',
      };
    case ApplicationErrorCode.RevocationCheckNotPermitted:
      return {
        ja: 'この申請の現況確認はできません。管理者か、この申請の担当課の審査者に依頼してください。',
        en: 'You cannot check the current status for this application. Ask an administrator or a reviewer of its department.',
      };
  }
}

export function authErrorMessage(code: AuthErrorCode): LocalizedText {
  switch (code) {
    case AuthErrorCode.LoginFailed:
      return {
        ja: 'ログインできませんでした。ログインIDとパスワードを確かめてください。続けて間違えると、しばらくログインできなくなります。',
        en: 'Could not log in. Check your login ID and password. After repeated mistakes, logging in is blocked for a while.',
      };
    case AuthErrorCode.NotLoggedIn:
      return { ja: 'ログインしてください。', en: 'Please log in.' };
    case AuthErrorCode.PasswordTooShort:
      return {
        ja: `新しいパスワードは${MIN_PASSWORD_LENGTH}文字以上にしてください。`,
        en: `Make the new password at least ${MIN_PASSWORD_LENGTH} characters long.`,
      };
    case AuthErrorCode.PasswordUnchanged:
      return {
        ja: '今のパスワードとは違うパスワードにしてください。',
        en: 'Choose a password different from the current one.',
      };
    case AuthErrorCode.PasswordMismatch:
      return {
        ja: '確認用に入力した新しいパスワードが一致しません。',
        en: 'The two new passwords do not match.',
      };
    case AuthErrorCode.CurrentPasswordWrong:
      return { ja: '今のパスワードが違います。', en: 'The current password is wrong.' };
  }
}
