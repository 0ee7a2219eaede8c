import { SignerError, SignerErrorCode } from './signer.error';

export type Lang = 'ja' | 'en';

/** Distinct exit codes, one per outcome the resident (or a script) must tell apart. */
export const EXIT_CODE: Record<SignerErrorCode, number> & { ok: 0; unexpected: 1 } = {
  ok: 0,
  unexpected: 1,
  [SignerErrorCode.Usage]: 2,
  [SignerErrorCode.InvalidUrl]: 3,
  [SignerErrorCode.SessionNotFound]: 4,
  [SignerErrorCode.SessionExpired]: 5,
  [SignerErrorCode.SessionClosed]: 6,
  [SignerErrorCode.Network]: 7,
  [SignerErrorCode.PortalProtocol]: 8,
  [SignerErrorCode.BadDigestInfo]: 9,
  [SignerErrorCode.SignatureRefused]: 10,
  [SignerErrorCode.ReaderNotFound]: 11,
  [SignerErrorCode.CardRemoved]: 12,
  [SignerErrorCode.CardUnreadable]: 13,
  [SignerErrorCode.VirtualCardFile]: 14,
  [SignerErrorCode.InvalidPinFormat]: 15,
  [SignerErrorCode.WrongPin]: 16,
  [SignerErrorCode.PinBlocked]: 17,
  [SignerErrorCode.NoTerminal]: 18,
  [SignerErrorCode.Cancelled]: 19,
};

type Text = { ja: string; en: string };

/** The resident-facing message for an error; the switch is exhaustive (STYLE.md: every code has a message). */
export function errorText(error: SignerError): Text {
  const d = error.details ?? {};
  switch (error.code) {
    case SignerErrorCode.Usage:
      return { ja: `使い方が正しくありません: ${error.message}`, en: `Usage: ${error.message}` };
    case SignerErrorCode.InvalidUrl:
      return {
        ja: 'QRコードのURLを読み取れませんでした。画面に表示されたQRコードのURLをそのまま指定してください。',
        en: 'The URL from the QR code is not valid. Pass the URL shown by the QR code as it is.',
      };
    case SignerErrorCode.SessionNotFound:
      return {
        ja: 'この手続きは見つかりませんでした。パソコンの画面で「QRコードを更新する」を押し、新しいQRコードで操作してください。',
        en: 'This session was not found. Press "Refresh QR code" on the PC screen and use the new QR code.',
      };
    case SignerErrorCode.SessionExpired:
      return {
        ja: 'このQRコードは有効期限が切れたか、すでに使われています。パソコンの画面で「QRコードを更新する」を押し、新しいQRコードで操作してください。',
        en: 'This QR code has expired or was already used. Press "Refresh QR code" on the PC screen and use the new QR code.',
      };
    case SignerErrorCode.SessionClosed:
      return {
        ja: 'この手続きはすでに終了しています。パソコンの画面を確認してください。',
        en: 'This session has already ended. Check the PC screen.',
      };
    case SignerErrorCode.Network:
      return {
        ja: 'サーバーに接続できませんでした。インターネット接続を確認して、もう一度実行してください。',
        en: 'Could not reach the server. Check the network connection and run the app again.',
      };
    case SignerErrorCode.PortalProtocol:
      return {
        ja: `サーバーから予期しない応答がありました。時間をおいてもう一度実行してください。${portalSuffix(d, 'ja')}`,
        en: `The server gave an unexpected answer. Try again later.${portalSuffix(d, 'en')}`,
      };
    case SignerErrorCode.BadDigestInfo:
      return {
        ja: 'サーバーから受け取った署名対象が正しくないため、署名しませんでした。カードには何も署名されていません。',
        en: 'The data to sign received from the server is malformed, so nothing was signed.',
      };
    case SignerErrorCode.SignatureRefused:
      return {
        ja: `電子署名が受け付けられませんでした。${d.portalMessage?.ja ?? ''}`,
        en: `The signature was not accepted. ${d.portalMessage?.en ?? ''}`.trimEnd(),
      };
    case SignerErrorCode.ReaderNotFound:
      return {
        ja: 'カードリーダーまたはカードが見つかりません。リーダーを接続し、マイナンバーカードを置いてから、もう一度実行してください。',
        en: 'No card reader or no card was found. Connect the reader, place the My Number Card on it and run the app again.',
      };
    case SignerErrorCode.CardRemoved:
      return {
        ja: 'カードとの通信が途切れました（カードが外れた可能性があります）。カードを置き直して、もう一度実行してください。',
        en: 'Communication with the card was interrupted (the card may have been removed). Place the card again and rerun the app.',
      };
    case SignerErrorCode.CardUnreadable:
      return {
        ja: 'カードを読み取れませんでした。マイナンバーカードであること、電子証明書の有効期限を確認してください。',
        en: 'The card could not be read. Check that it is a My Number Card and that its certificate is valid.',
      };
    case SignerErrorCode.VirtualCardFile:
      return {
        ja: `仮想カードのファイルを開けません: ${error.message}`,
        en: `Cannot open the virtual card file: ${error.message}`,
      };
    case SignerErrorCode.InvalidPinFormat:
      return d.pin === 'text'
        ? {
            ja: '暗証番号は数字4桁です。カードには送信していません（残り回数は減っていません）。',
            en: 'The PIN is 4 digits. Nothing was sent to the card (no try was used).',
          }
        : {
            ja: '署名用パスワードは英大文字と数字の6〜16文字です。カードには送信していません（残り回数は減っていません）。',
            en: 'The signing password is 6 to 16 letters A–Z and digits. Nothing was sent to the card (no try was used).',
          };
    case SignerErrorCode.WrongPin:
      return {
        ja: `暗証番号（パスワード）が違います。残り${d.triesLeft ?? '?'}回です。確認してから、もう一度実行してください。`,
        en: `Wrong PIN (password). ${d.triesLeft ?? '?'} tries left. Check it and run the app again.`,
      };
    case SignerErrorCode.PinBlocked:
      return {
        ja: '暗証番号（パスワード）がロックされています。お住まいの市区町村の窓口で初期化（再設定）の手続きをしてください。',
        en: 'The PIN (password) is blocked. Your municipal office (市区町村の窓口) can reset it.',
      };
    case SignerErrorCode.NoTerminal:
      return {
        ja: '暗証番号を入力する端末がありません。端末から実行するか、--pin-stdin を指定してください。',
        en: 'There is no terminal to type the PIN into. Run the app from a terminal or use --pin-stdin.',
      };
    case SignerErrorCode.Cancelled:
      return { ja: '中止しました。', en: 'Cancelled.' };
  }
}

function portalSuffix(d: SignerError['details'], lang: Lang): string {
  const text = d?.portalMessage?.[lang];
  return text ? (lang === 'ja' ? `（${text}）` : ` (${text})`) : '';
}

export function exitCodeOf(error: unknown): number {
  return error instanceof SignerError ? EXIT_CODE[error.code] : EXIT_CODE.unexpected;
}
