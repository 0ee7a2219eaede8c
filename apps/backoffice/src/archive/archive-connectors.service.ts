import type { SecretBox } from '@madoguchi/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditAction } from '../audit/audit-action';
import type { AuditLog } from '../audit/audit-log';
import type { StaffContext } from '../auth/staff-context';
import { ArchiveConnectorEntity } from '../database/entities/archive-connector.entity';
import { connectorSecretContext, sealedTargets } from '../database/stored-secrets';
import { ArchiveError, ArchiveErrorCode } from './archive.error';
import { isPackageFormat } from './bagit/bag-writers';
import type { ArchiveTarget } from './connectors/archive-target';
import {
  isConnectorKind,
  parseSettings,
  SECRET_LABEL,
  SETTINGS_FIELDS,
} from './connectors/connector-settings';

export interface ConnectorInput {
  name?: unknown;
  kind?: unknown;
  format?: unknown;
  formIds?: unknown;
  maxAttempts?: unknown;
  isEnabled?: unknown;
  /** empty: keep the stored secret */
  secret?: unknown;
  [field: string]: unknown;
}

/** A connector as the admin page shows it: never the secret, only whether one is stored. */
export interface ConnectorView {
  id: string;
  name: string;
  kind: string;
  format: string;
  settings: Record<string, string>;
  formIds: string[];
  isEnabled: boolean;
  maxAttempts: number;
  hasSecret: boolean;
}

export function toConnectorView(c: ArchiveConnectorEntity): ConnectorView {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    format: c.format,
    settings: c.settings,
    formIds: c.formIds,
    isEnabled: c.isEnabled,
    maxAttempts: c.maxAttempts,
    hasSecret: Boolean(c.secret),
  };
}

function bad(message: string): never {
  throw new ArchiveError(ArchiveErrorCode.BadSettings, message);
}

/** Archive connectors of a municipality, managed by 管理者 (scoped to the staff member's municipality). */
export class ArchiveConnectorsService {
  constructor(
    private readonly db: DataSource,
    /** the secret is stored sealed (BACKOFFICE_SECRETS_KEY), bound to its connector */
    private readonly secrets: SecretBox,
    /** the hash-chained audit log: each saved change is appended in the saving transaction */
    private readonly audit?: AuditLog,
    private readonly targetFor: (c: ArchiveConnectorEntity) => ArchiveTarget = sealedTargets(
      secrets,
    ),
  ) {}

  list(municipalityCode: string): Promise<ArchiveConnectorEntity[]> {
    return this.db
      .getRepository(ArchiveConnectorEntity)
      .find({ where: { municipalityCode }, order: { name: 'ASC' } });
  }

  async get(municipalityCode: string, id: string): Promise<ArchiveConnectorEntity> {
    const connector = await this.db
      .getRepository(ArchiveConnectorEntity)
      .findOneBy({ id, municipalityCode });
    if (!connector) {
      throw new ArchiveError(ArchiveErrorCode.ConnectorNotFound, 'connector not found');
    }
    return connector;
  }

  /**
   * Creates (no id) or updates a connector; an empty secret keeps the stored one. With `actor`, the change is in
   * the audit log (what changed, whether a new secret was typed — never the secret).
   */
  async save(
    municipalityCode: string,
    input: ConnectorInput,
    id?: string,
    actor?: StaffContext,
  ): Promise<ArchiveConnectorEntity> {
    const existing = id ? await this.get(municipalityCode, id) : null;
    const kind = existing?.kind ?? input.kind;
    if (!isConnectorKind(kind)) {
      bad('接続先の種類を選んでください。');
    }
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name || name.length > 100) {
      bad('名前を100文字以内で入力してください。');
    }
    if (!isPackageFormat(input.format)) {
      bad('パッケージの形式（フォルダー・zip・tar）を選んでください。');
    }
    if (kind === 'webhook' && input.format !== 'zip') {
      bad('Webhook はパッケージを zip で送ります。形式は zip を選んでください。');
    }
    const maxAttempts = Number(input.maxAttempts ?? 8);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 50) {
      bad('最大試行回数は1〜50の整数で入力してください。');
    }
    const formIds =
      typeof input.formIds === 'string'
        ? input.formIds
            .split(/[\s,、]+/)
            .map((s) => s.trim())
            .filter(Boolean)
        : [];
    if (formIds.some((f) => !/^[a-z0-9][a-z0-9-]{0,99}$/.test(f))) {
      bad('対象の様式は様式ID（英小文字・数字・「-」）をカンマ区切りで入力してください。');
    }
    const fields: Record<string, string | undefined> = {};
    for (const field of SETTINGS_FIELDS[kind]) {
      const value = input[field];
      fields[field] = typeof value === 'string' ? value : undefined;
    }
    const settings = parseSettings(kind, fields);
    const typedSecret = typeof input.secret === 'string' ? input.secret : '';
    const hasSecret = typedSecret !== '' || Boolean(existing?.secret);
    if (SECRET_LABEL[kind] && !hasSecret && kind !== 'webdav') {
      bad(
        kind === 's3'
          ? 'シークレットアクセスキーを入力してください。'
          : '署名用の鍵（HMAC鍵）を入力してください。',
      );
    }
    if (kind === 'webhook' && typedSecret && typedSecret.length < 32) {
      bad('署名用の鍵（HMAC鍵）は32文字以上にしてください。');
    }
    const now = new Date();
    const connectorId = existing?.id ?? randomUUID();
    // a typed secret is sealed at once; an empty field keeps the stored (sealed) one
    const secret = typedSecret
      ? this.secrets.seal(typedSecret, connectorSecretContext(connectorId))
      : (existing?.secret ?? null);
    const connector: ArchiveConnectorEntity = {
      id: connectorId,
      municipalityCode,
      name,
      kind,
      format: input.format,
      settings,
      secret,
      formIds,
      isEnabled:
        input.isEnabled === undefined ? true : input.isEnabled === 'on' || input.isEnabled === true,
      maxAttempts,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const duplicate = await this.db
      .getRepository(ArchiveConnectorEntity)
      .findOneBy({ municipalityCode, name });
    if (duplicate && duplicate.id !== connector.id) {
      bad(`「${name}」という名前の接続先はすでにあります。別の名前にしてください。`);
    }
    await this.db.transaction(async (manager) => {
      await manager.getRepository(ArchiveConnectorEntity).save(connector);
      if (actor && this.audit) {
        await this.audit.append(manager, {
          actor,
          municipalityCode,
          action: AuditAction.ConnectorChanged,
          targetType: 'archive_connector',
          targetId: connector.id,
          detail: {
            isNew: existing === null,
            name,
            kind,
            format: connector.format,
            settings,
            formIds,
            isEnabled: connector.isEnabled,
            maxAttempts,
            isSecretChanged: typedSecret !== '',
          },
        });
      }
    });
    return connector;
  }

  /** 接続テスト: what the target answered, or a message that says what is wrong. */
  async test(
    municipalityCode: string,
    id: string,
  ): Promise<{ isOk: boolean; message: string; response: string | null }> {
    const connector = await this.get(municipalityCode, id);
    try {
      return { isOk: true, message: await this.targetFor(connector).test(), response: null };
    } catch (e) {
      if (e instanceof ArchiveError) {
        const response = typeof e.details?.response === 'string' ? e.details.response : null;
        return { isOk: false, message: e.message, response };
      }
      return {
        isOk: false,
        message: `接続テストに失敗しました（${(e as Error).message}）。`,
        response: null,
      };
    }
  }
}
