import type { LocalizedText } from '@madoguchi/forms';
import type { ArchiveConnectorEntity } from '../database/entities/archive-connector.entity';
import type {
  ArchiveDeliveryEntity,
  DeliveryState,
} from '../database/entities/archive-delivery.entity';
import { toConnectorView } from './archive-connectors.service';
import { CONNECTOR_KINDS, SECRET_LABEL, type ConnectorKind } from './connectors/connector-settings';

export const KIND_LABELS: Record<ConnectorKind, LocalizedText> = {
  folder: { ja: 'フォルダー（共有フォルダー）', en: 'Folder (share)' },
  s3: { ja: 'S3互換ストレージ', en: 'S3-compatible storage' },
  webdav: { ja: 'WebDAV', en: 'WebDAV' },
  webhook: { ja: 'Webhook（HTTP POST）', en: 'Webhook (HTTP POST)' },
};

const FIELD_LABELS: Record<string, LocalizedText> = {
  path: { ja: '保存先フォルダー（絶対パス）', en: 'Folder (absolute path)' },
  endpoint: { ja: 'エンドポイント（AWS なら空欄）', en: 'Endpoint (empty for AWS)' },
  region: { ja: 'リージョン', en: 'Region' },
  bucket: { ja: 'バケット', en: 'Bucket' },
  prefix: { ja: 'プレフィックス', en: 'Prefix' },
  accessKeyId: { ja: 'アクセスキーID', en: 'Access key ID' },
  url: { ja: 'URL', en: 'URL' },
  username: { ja: '利用者名', en: 'User name' },
  timeoutMs: { ja: 'タイムアウト（ミリ秒）', en: 'Time-out (ms)' },
};

const SECRET_LABELS: Record<string, LocalizedText> = {
  secretAccessKey: { ja: 'シークレットアクセスキー', en: 'Secret access key' },
  password: { ja: 'パスワード', en: 'Password' },
  hmacKey: { ja: '署名用の鍵（HMAC鍵、32文字以上）', en: 'Signing key (HMAC, 32+ characters)' },
};

const KIND_FIELDS: Record<ConnectorKind, string[]> = {
  folder: ['path'],
  s3: ['endpoint', 'region', 'bucket', 'prefix', 'accessKeyId'],
  webdav: ['url', 'username'],
  webhook: ['url', 'timeoutMs'],
};

export const STATE_LABELS: Record<DeliveryState, LocalizedText> = {
  pending: { ja: '送付待ち', en: 'Pending' },
  delivered: { ja: '送付済み', en: 'Delivered' },
  dead: { ja: '送付失敗（要対応）', en: 'Failed (action needed)' },
};

interface PageExtra {
  isSaved?: boolean;
  testResult?: { id: string; isOk: boolean; message: string; response: string | null };
  formError?: { id: string; message: string };
  typed?: Record<string, unknown>;
}

function fieldsOf(kind: ConnectorKind, values: Record<string, unknown>) {
  return KIND_FIELDS[kind].map((name) => ({
    name,
    label: FIELD_LABELS[name],
    value: typeof values[name] === 'string' ? values[name] : '',
  }));
}

/** The admin page: each connector with its settings (never the secret), and one empty form per kind. */
export function toConnectorsPage(connectors: ArchiveConnectorEntity[], extra: PageExtra = {}) {
  return {
    isSaved: extra.isSaved ?? false,
    connectors: connectors.map((c) => {
      const view = toConnectorView(c);
      const isThisForm = extra.formError?.id === c.id;
      const secretName = SECRET_LABEL[c.kind];
      return {
        ...view,
        kindLabel: KIND_LABELS[c.kind],
        fields: fieldsOf(c.kind, isThisForm && extra.typed ? extra.typed : c.settings),
        formIdsText: c.formIds.join(', '),
        secretLabel: secretName ? SECRET_LABELS[secretName] : null,
        formats: formatOptions(c.format),
        testResult: extra.testResult?.id === c.id ? extra.testResult : null,
        formError: isThisForm ? extra.formError?.message : null,
      };
    }),
    newForms: CONNECTOR_KINDS.map((kind) => {
      const secretName = SECRET_LABEL[kind];
      const isThisForm = extra.formError?.id === 'new' && extra.typed?.kind === kind;
      return {
        kind,
        kindLabel: KIND_LABELS[kind],
        fields: fieldsOf(
          kind,
          isThisForm && extra.typed
            ? extra.typed
            : kind === 'webhook'
              ? { timeoutMs: '30000' }
              : {},
        ),
        secretLabel: secretName ? SECRET_LABELS[secretName] : null,
        formats: formatOptions(kind === 'webhook' ? 'zip' : 'directory', kind === 'webhook'),
        name: isThisForm && typeof extra.typed?.name === 'string' ? extra.typed.name : '',
        formError: isThisForm ? extra.formError?.message : null,
      };
    }),
  };
}

function formatOptions(selected: string, isZipOnly = false) {
  const all = [
    { value: 'directory', label: { ja: 'フォルダー（展開した状態）', en: 'Directory' } },
    { value: 'zip', label: { ja: 'zip ファイル', en: 'zip file' } },
    { value: 'tar', label: { ja: 'tar ファイル', en: 'tar file' } },
  ];
  return all
    .filter((f) => !isZipOnly || f.value === 'zip')
    .map((f) => ({ ...f, isSelected: f.value === selected }));
}

export function toDeadLetterView(d: ArchiveDeliveryEntity, connectors: ArchiveConnectorEntity[]) {
  const connector = connectors.find((c) => c.id === d.connectorId);
  return {
    id: d.id,
    receiptNumber: d.receiptNumber,
    applicationId: d.applicationId,
    connectorName: connector?.name ?? d.connectorId,
    attempts: d.attempts,
    lastError: d.lastError,
    lastResponse: d.lastResponse,
    acceptedAt: d.acceptedAt.toISOString(),
  };
}

/** The detail page's 「文書管理システムへの送付」: one line per connector. */
export function toDeliveryRows(
  deliveries: ArchiveDeliveryEntity[],
  connectors: ArchiveConnectorEntity[],
) {
  return deliveries.map((d) => ({
    id: d.id,
    connectorName: connectors.find((c) => c.id === d.connectorId)?.name ?? d.connectorId,
    state: d.state,
    stateLabel: STATE_LABELS[d.state],
    isDead: d.state === 'dead',
    attempts: d.attempts,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt.toISOString() : null,
    location: d.location,
    lastError: d.lastError,
    fixityState: d.fixityState,
  }));
}
