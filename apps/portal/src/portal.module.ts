import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createDataSource, FileBlobStore } from '@madoguchi/common';
import { PORTAL_BLOB_STORE, PORTAL_CONFIG, PORTAL_TRUST } from './config/portal-config.provider';
import type { PortalConfig } from './config/portal.config';
import { portalDataSourceOptions, PORTAL_ENTITIES } from './database/portal-database';
import { FormsRegistry } from './forms/forms-registry.service';
import { DraftsService } from './drafts/drafts.service';
import { ApplicationsService } from './applications/applications.service';
import { TransferService } from './transfer/transfer.service';
import { TransferController } from './transfer/transfer.controller';
import { TransferAuthGuard } from './transfer/transfer-auth.guard';
import { PagesController } from './pages/pages.controller';
import { HealthController } from './pages/health.controller';
import { DraftPurgeService } from './drafts/draft-purge.service';
import { ResidentDrafts } from './pages/resident-drafts.service';
import { FormStartPage } from './pages/form-start.page';
import { CardSessionsService } from './card-sessions/card-sessions.service';
import { SignerApiService, type PortalTrust } from './card-sessions/signer-api.service';
import { SignerApiController } from './card-sessions/signer-api.controller';
import { HandoffController } from './card-sessions/handoff.controller';
import { SignerGuideController } from './card-sessions/signer-guide.controller';

@Module({})
export class PortalModule {
  static forConfig(config: PortalConfig, trust: PortalTrust): DynamicModule {
    return {
      module: PortalModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...portalDataSourceOptions(config.PORTAL_DATABASE_URL),
            migrationsRun: true,
          }),
          // SQLite: concurrent requests take turns on the one connection (see createDataSource)
          dataSourceFactory: (options) => Promise.resolve(createDataSource(options!)),
        }),
        TypeOrmModule.forFeature(PORTAL_ENTITIES),
      ],
      controllers: [
        PagesController,
        HandoffController,
        SignerGuideController,
        SignerApiController,
        TransferController,
        HealthController,
      ],
      providers: [
        { provide: PORTAL_CONFIG, useValue: config },
        { provide: PORTAL_TRUST, useValue: trust },
        CardSessionsService,
        SignerApiService,
        {
          provide: PORTAL_BLOB_STORE,
          useValue: new FileBlobStore(join(config.PORTAL_DATA_DIR, 'blobs')),
        },
        FormsRegistry,
        DraftsService,
        ResidentDrafts,
        { provide: FormStartPage, useValue: new FormStartPage(config.NODE_ENV !== 'development') },
        DraftPurgeService,
        ApplicationsService,
        TransferService,
        TransferAuthGuard,
      ],
    };
  }
}
