import { dataSourceOptions } from '@madoguchi/common';
import type { DataSourceOptions } from 'typeorm';
import { ApplicationEntity } from './entities/application.entity';
import { DraftEntity } from './entities/draft.entity';
import { TransferNonceEntity } from './entities/transfer-nonce.entity';
import { InitialPortalSchema1763900000000 } from './migrations/1763900000000-InitialPortalSchema';

export const PORTAL_ENTITIES = [DraftEntity, ApplicationEntity, TransferNonceEntity];
export const PORTAL_MIGRATIONS = [InitialPortalSchema1763900000000];

export function portalDataSourceOptions(url: string): DataSourceOptions {
  return dataSourceOptions(url, PORTAL_ENTITIES, PORTAL_MIGRATIONS);
}
