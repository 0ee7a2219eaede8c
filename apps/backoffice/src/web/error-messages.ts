import type { LocalizedText } from '@madoguchi/forms';
import { ApplicationErrorCode } from '../applications/application.error';
import { MAX_COMMENT_LENGTH } from '../applications/status-transition';
import { AuthErrorCode } from '../auth/auth.error';
import { StaffAdminErrorCode } from '../staff/staff-admin.error';
import { MAX_DISPLAY_NAME_LENGTH } from '../staff/staff-admin.service';
import { MAX_TOTP_ATTEMPTS, MIN_PASSWORD_LENGTH } from '../auth/auth.service';
import { SearchErrorCode } from '../search/search-filter';
import { RecordErrorCode } from '../records/record.error';

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
    case ApplicationErrorCode.Disposed:
      return {
        ja: 'この申請の記録は保存期間満了により廃棄済みです。申請内容・添付ファイル・署名は削除され、廃棄簿の情報だけが残っています。何も変更していません。',
        en: 'The record of this application was disposed of after its retention period. Its answers, attachments and signature were deleted; only the disposal register entry remains. Nothing was changed.',
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
    case AuthErrorCode.PasswordContainsLoginId:
      return {
        ja: 'ログインIDと同じパスワードや、ログインIDに数文字を足しただけのパスワードは使えません。',
        en: 'Do not use your login ID, or your login ID with a few characters added, as the password.',
      };
    case AuthErrorCode.PasswordTooCommon:
      return {
        ja: 'よく使われていて推測されやすいパスワードです。ほかの人が思いつかない、長い文（パスフレーズ）にしてください。',
        en: 'This password is common and easy to guess. Choose a long phrase others would not think of.',
      };
    case AuthErrorCode.TotpCodeWrong:
      return {
        ja: '確認コードが違うか、期限切れか、すでに使われています。認証アプリに表示されている最新の6桁を入力してください。',
        en: 'The code is wrong, expired or already used. Enter the latest 6 digits shown in your authenticator app.',
      };
    case AuthErrorCode.TotpAttemptsExhausted:
      return {
        ja: `確認コードを${MAX_TOTP_ATTEMPTS}回間違えたため、ログインをやり直してください。続けて間違えると、しばらくログインできなくなります。`,
        en: `The code was wrong ${MAX_TOTP_ATTEMPTS} times: log in again. After repeated mistakes, logging in is blocked for a while.`,
      };
    case AuthErrorCode.TotpAlreadyEnabled:
      return {
        ja: '二要素認証はすでに設定されています。設定し直すときは、管理者にリセットを依頼してください。',
        en: 'Two-factor authentication is already set up. To set it up again, ask an administrator to reset it.',
      };
    case AuthErrorCode.TooManyAttempts:
      return {
        ja: 'ログインの試行回数が多すぎます。しばらくしてからお試しください。',
        en: 'Too many login attempts. Please try again later.',
      };
    case AuthErrorCode.RoleNotPermitted:
      return {
        ja: 'この画面・操作は、あなたの役割では利用できません。必要なときは、情報政策課（管理者）に相談してください。',
        en: 'Your role cannot use this page or action. Ask the IT department (administrator) if you need it.',
      };
  }
}

export function staffAdminErrorMessage(code: StaffAdminErrorCode): LocalizedText {
  switch (code) {
    case StaffAdminErrorCode.NotFound:
      return {
        ja: '職員のアカウントが見つかりません。一覧から選び直してください。',
        en: 'Staff account not found. Choose it again from the list.',
      };
    case StaffAdminErrorCode.NotPermitted:
      return {
        ja: 'この画面は、あなたの役割では使えません。',
        en: 'Your role cannot use this page.',
      };
    case StaffAdminErrorCode.LoginIdInvalid:
      return {
        ja: 'ログインIDは、半角英数字で始まり、半角英数字と「. _ @ -」だけの3〜64文字にしてください。',
        en: 'A login ID is 3 to 64 characters: letters, digits and “. _ @ -”, starting with a letter or digit.',
      };
    case StaffAdminErrorCode.LoginIdTaken:
      return {
        ja: 'このログインIDはすでに使われています。別のログインIDにしてください。',
        en: 'This login ID is already in use. Choose another.',
      };
    case StaffAdminErrorCode.DisplayNameInvalid:
      return {
        ja: `氏名（表示名）を${MAX_DISPLAY_NAME_LENGTH}文字以内で入力してください。`,
        en: `Enter the name (display name), at most ${MAX_DISPLAY_NAME_LENGTH} characters.`,
      };
    case StaffAdminErrorCode.RoleInvalid:
      return { ja: '役割を選んでください。', en: 'Choose a role.' };
    case StaffAdminErrorCode.DepartmentUnknown:
      return {
        ja: '担当課は、一覧にある課から選んでください。',
        en: 'Choose the departments from the list.',
      };
    case StaffAdminErrorCode.LastAdmin:
      return {
        ja: '有効な管理者がいなくなるため、変更できません。先にほかの職員を管理者にしてください。',
        en: 'This would leave no active administrator. Make another staff member an administrator first.',
      };
    case StaffAdminErrorCode.CannotDisableSelf:
      return {
        ja: '自分のアカウントは無効にできません。',
        en: 'You cannot disable your own account.',
      };
    case StaffAdminErrorCode.MunicipalityCodeInvalid:
      return {
        ja: '全国地方公共団体コードは、検査数字を含む6桁の数字で入力してください（例：千代田区は131016）。検査数字が合っているか確かめてください。',
        en: 'Enter the 6-digit local government code including its check digit (e.g. 131016 for Chiyoda). Check the last digit.',
      };
    case StaffAdminErrorCode.MunicipalityExists:
      return {
        ja: 'この全国地方公共団体コードの自治体はすでに登録されています。',
        en: 'A municipality with this code is already registered.',
      };
    case StaffAdminErrorCode.MunicipalityNameInvalid:
      return {
        ja: `自治体名を${MAX_DISPLAY_NAME_LENGTH}文字以内で入力してください。`,
        en: `Enter the municipality name, at most ${MAX_DISPLAY_NAME_LENGTH} characters.`,
      };
  }
}

export function searchErrorMessage(code: SearchErrorCode): LocalizedText {
  switch (code) {
    case SearchErrorCode.BadDate:
      return {
        ja: '受付日は「2026-04-01」の形の、実在する日付で入力してください。',
        en: 'Enter the received dates as real dates, like 2026-04-01.',
      };
    case SearchErrorCode.DateOrder:
      return {
        ja: '受付日の「から」は「まで」より前の日付にしてください。',
        en: 'The “from” date must not be after the “to” date.',
      };
    case SearchErrorCode.UnknownForm:
      return {
        ja: '指定された申請の種類はありません。一覧から選んでください。',
        en: 'That form does not exist. Choose one from the list.',
      };
    case SearchErrorCode.UnknownStatus:
      return {
        ja: '指定された状態はありません。一覧から選んでください。',
        en: 'Unknown status. Choose one from the list.',
      };
    case SearchErrorCode.UnknownDepartment:
      return {
        ja: '指定された担当課はありません（またはあなたの担当ではありません）。一覧から選んでください。',
        en: 'That department does not exist or is not yours. Choose one from the list.',
      };
    case SearchErrorCode.UnknownAssignee:
      return {
        ja: '指定された担当者はいません。一覧から選んでください。',
        en: 'Unknown assignee. Choose one from the list.',
      };
    case SearchErrorCode.BadCursor:
      return {
        ja: 'ページの指定が正しくありません。最初のページから開き直してください。',
        en: 'The page link is not valid. Start again from the first page.',
      };
    case SearchErrorCode.TooLong:
      return {
        ja: '検索条件は100文字以内で入力してください。',
        en: 'Keep each search field within 100 characters.',
      };
    case SearchErrorCode.BadValue:
      return {
        ja: '検索条件の指定が正しくありません。検索画面から指定し直してください。',
        en: 'The search is not valid. Search again from the form.',
      };
  }
}

export function recordErrorMessage(code: RecordErrorCode): LocalizedText {
  switch (code) {
    case RecordErrorCode.NotFound:
      return { ja: '記録が見つかりません。', en: 'Record not found.' };
    case RecordErrorCode.FileNotFound:
      return { ja: '記録のファイルが見つかりません。', en: 'Record file not found.' };
    case RecordErrorCode.FormUnknown:
      return {
        ja: 'この申請の様式定義が読み込まれていないため、保存期間が分からず記録を作成できません。情報政策課に様式定義の確認を依頼してください。状態は変更していません。',
        en: "This application's form definition is not loaded, so its retention period is unknown and no record can be made. Ask the IT department to check the form definition. The status was not changed.",
      };
    case RecordErrorCode.UnderRetention:
      return {
        ja: 'この記録はまだ保存期間中のため廃棄できません。保存期間満了日の翌日（4月1日）以降に廃棄できます。何も変更していません。',
        en: 'This record is still within its retention period and cannot be disposed of. It can be disposed of from the day after the retention end (April 1). Nothing was changed.',
      };
    case RecordErrorCode.NotPermitted:
      return {
        ja: '記録の廃棄は管理者だけが承認できます。',
        en: 'Only an administrator can approve the disposal of records.',
      };
  }
}
