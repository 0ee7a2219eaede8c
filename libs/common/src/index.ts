export { DomainError } from './domain.error';
export {
  dataSourceOptions,
  databaseKind,
  redactUrl,
  type DatabaseKind,
} from './database/data-source-options';
export { columnTypes } from './database/column-types';
export { acquireStartupLock, type StartupLock } from './database/startup-lock';
export { loadConfig, ConfigError } from './config/load-config';
export { FileBlobStore, type BlobStore } from './storage/blob-store';
export { SecretBox, SecretBoxError, parseSecretKey, secretKeyId } from './crypto/secret-box';
export { createDataSource } from './database/create-data-source';
