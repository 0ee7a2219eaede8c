import { dataSourceOptions } from '@madoguchi/common';
import type { DataSourceOptions } from 'typeorm';
import { ApplicationEntity } from './entities/application.entity';
import { DraftEntity } from './entities/draft.entity';
import { TransferNonceEntity } from './entities/transfer-nonce.entity';
import { CardSessionEntity } from './entities/card-session.entity';
import { InitialPortalSchema1763900000000 } from './migrations/1763900000000-InitialPortalSchema';
import { CardSessions1763900000001 } from './migrations/1763900000001-CardSessions';
import { Corrections1764400000001 } from './migrations/1764400000001-Corrections';

export const PORTAL_ENTITIES = [
  DraftEntity,
  ApplicationEntity,
  TransferNonceEntity,
  CardSessionEntity,
];
export const PORTAL_MIGRATIONS = [
  InitialPortalSchema1763900000000,
  CardSessions1763900000001,
  Corrections1764400000001,
];

export function portalDataSourceOptions(url: string): DataSourceOptions {
  return dataSourceOptions(url, PORTAL_ENTITIES, PORTAL_MIGRATIONS);
}
