import { isAbsolute } from 'node:path';
import { ArchiveError, ArchiveErrorCode } from '../archive.error';

export type ConnectorKind = 'folder' | 's3' | 'webdav' | 'webhook';
export const CONNECTOR_KINDS: readonly ConnectorKind[] = ['folder', 's3', 'webdav', 'webhook'];

export function isConnectorKind(value: unknown): value is ConnectorKind {
  return typeof value === 'string' && (CONNECTOR_KINDS as readonly string[]).includes(value);
}

/** The settings fields of each kind: shown back on the admin page (the secret is kept apart and never shown). */
export const SETTINGS_FIELDS: Record<ConnectorKind, readonly string[]> = {
  folder: ['path'],
  s3: ['endpoint', 'region', 'bucket', 'prefix', 'accessKeyId'],
  webdav: ['url', 'username'],
  webhook: ['url', 'timeoutMs'],
};

/** Whether the kind needs a secret (S3 secret access key, WebDAV password, webhook HMAC key). */
export const SECRET_LABEL: Record<ConnectorKind, string | null> = {
  folder: null,
  s3: 'secretAccessKey',
  webdav: 'password',
  webhook: 'hmacKey',
};

function bad(message: string): never {
  throw new ArchiveError(ArchiveErrorCode.BadSettings, message);
}

function httpUrl(value: string | undefined, label: string): string {
  if (!value) {
    bad(`${label}を入力してください。`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    bad(
      `${label}「${value}」はURLではありません。http:// または https:// で始まるURLを入力してください。`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    bad(`${label}は http:// または https:// で始まるURLにしてください。`);
  }
  if (url.username || url.password) {
    bad(`${label}に利用者名やパスワードを含めないでください（専用の欄に入力してください）。`);
  }
  return url.toString();
}

/**
 * Checks and normalises the settings a 管理者 entered for a kind. Throws BadSettings with a Japanese message that
 * names the field.
 */
export function parseSettings(
  kind: ConnectorKind,
  input: Record<string, string | undefined>,
): Record<string, string> {
  const value = (key: string) => input[key]?.trim() ?? '';
  switch (kind) {
    case 'folder': {
      const path = value('path');
      if (!path || !isAbsolute(path)) {
        bad('保存先フォルダーは絶対パス（/ で始まるパス）で入力してください。');
      }
      return { path };
    }
    case 's3': {
      const bucket = value('bucket');
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
        bad('バケット名は英小文字・数字・「.」「-」の3〜63文字で入力してください。');
      }
      const prefix = value('prefix').replace(/^\/+/, '');
      if (prefix.split('/').some((s) => s === '..' || s === '.')) {
        bad('プレフィックスに「..」や「.」は使えません。');
      }
      if (!value('accessKeyId')) {
        bad('アクセスキーIDを入力してください。');
      }
      return {
        endpoint: value('endpoint') ? httpUrl(value('endpoint'), 'エンドポイント') : '',
        region: value('region') || 'ap-northeast-1',
        bucket,
        prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
        accessKeyId: value('accessKeyId'),
      };
    }
    case 'webdav': {
      const url = httpUrl(value('url'), 'WebDAVのURL');
      return { url: url.endsWith('/') ? url : `${url}/`, username: value('username') };
    }
    case 'webhook': {
      const timeout = value('timeoutMs') || '30000';
      if (!/^\d+$/.test(timeout) || Number(timeout) < 100 || Number(timeout) > 600000) {
        bad('タイムアウトは100〜600000ミリ秒の整数で入力してください。');
      }
      return { url: httpUrl(value('url'), '送信先URL'), timeoutMs: timeout };
    }
  }
}
