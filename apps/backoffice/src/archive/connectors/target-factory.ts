import type { ArchiveConnectorEntity } from '../../database/entities/archive-connector.entity';
import type { ArchiveTarget } from './archive-target';
import { FolderTarget } from './folder.target';
import { S3Target } from './s3.target';
import { WebdavTarget } from './webdav.target';
import { WebhookTarget } from './webhook.target';

/** The target a connector's stored settings describe. */
export function createTarget(
  connector: Pick<ArchiveConnectorEntity, 'kind' | 'settings' | 'secret'>,
): ArchiveTarget {
  const { settings, secret } = connector;
  switch (connector.kind) {
    case 'folder':
      return new FolderTarget(settings.path);
    case 'webhook':
      return new WebhookTarget(settings.url, secret ?? '', Number(settings.timeoutMs) || 30_000);
    case 'webdav':
      return new WebdavTarget(settings.url, settings.username, secret ?? '');
    case 's3':
      return new S3Target({
        endpoint: settings.endpoint,
        region: settings.region,
        bucket: settings.bucket,
        prefix: settings.prefix,
        accessKeyId: settings.accessKeyId,
        secretAccessKey: secret ?? '',
      });
  }
}
