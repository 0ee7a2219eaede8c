import { FileBlobStore, SecretBox } from '@madoguchi/common';
import {
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TransferClient } from '@madoguchi/transfer';
import { APP_GUARD } from '@nestjs/core';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ApplicationsController } from './applications/applications.controller';
import { ApplicationsService } from './applications/applications.service';
import { ArchiveConnectorsService } from './archive/archive-connectors.service';
import { ArchiveOutboxService } from './archive/archive-outbox.service';
import { ArchiveController } from './archive/archive.controller';
import {
  ARCHIVE_RECORD_SOURCE,
  ArchiveFixityScheduler,
  archiveFixityProvider,
  archiveWorkerProvider,
} from './archive/archive.providers';
import { ArchiveFixityService } from './archive/archive-fixity.service';
import { ArchiveWorker } from './archive/archive.worker';
import { AuditLog } from './audit/audit-log';
import { AuditController } from './audit/audit.controller';
import { AuditViewService } from './audit/audit-view.service';
import { enqueueOnRecordCreated, RecordsArchiveSource } from './archive/records-archive-source';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { PasswordHasher } from './auth/password.hasher';
import { BACKOFFICE_CONFIG, BLOB_STORE } from './backoffice.tokens';
import { backofficeRecheckSource, backofficeVerifier } from './config/backoffice-trust';
import type { BackofficeConfig } from './config/backoffice.config';
import { FormCatalog } from './forms/form-catalog';
import { ApplicationExportController } from './search/application-export.controller';
import { ApplicationSearchService } from './search/application-search.service';
import { CsvExportService } from './search/csv-export.service';
import { HealthController } from './health.controller';
import { StaffService } from './staff/staff.service';
import { secretBoxOf } from './database/stored-secrets';
import { ApplicationIntakeService } from './transfer/application-intake.service';
import { PullWorker } from './transfer/pull.worker';
import { RevocationCheckController } from './revocation/revocation-check.controller';
import { RevocationCheckService } from './revocation/revocation-check.service';
import { RevocationRecheckScheduler } from './revocation/revocation-recheck.scheduler';
import { TwoFactorController } from './auth/two-factor.controller';
import { TwoFactorService } from './auth/two-factor.service';
import { PlatformController } from './platform/platform.controller';
import { PlatformService } from './platform/platform.service';
import { StaffAdminController } from './staff/staff-admin.controller';
import { StaffAdminService } from './staff/staff-admin.service';
import { RecordsService } from './records/records.service';
import { RecordDisposalService } from './records/record-disposal.service';
import { RecordsController } from './records/records.controller';
import { RolesGuard } from './web/roles';
import { SessionGuard } from './web/session.guard';

export interface BackofficeModuleOptions {
  config: BackofficeConfig;
  dataSource: DataSource;
  forms: FormCatalog;
  hasher: PasswordHasher;
}

/** Stops the pull worker first, then closes the database (enableShutdownHooks). */
class Lifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PullWorker) private readonly worker: PullWorker,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(RevocationRecheckScheduler) private readonly recheck: RevocationRecheckScheduler,
    @Inject(ArchiveWorker) private readonly archiveWorker: ArchiveWorker,
    @Inject(ArchiveFixityScheduler) private readonly fixity: ArchiveFixityScheduler,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    await this.recheck.stop();
    await this.archiveWorker.stop();
    await this.fixity.stop();
    if (this.db.isInitialized) {
      await this.db.destroy();
    }
  }
}

@Module({})
export class AppModule {
  static register({ config, dataSource, forms, hasher }: BackofficeModuleOptions): DynamicModule {
    // built here, at boot: a bad trust file stops the start (ConfigError)
    const verifier = backofficeVerifier(config);
    const secrets = secretBoxOf(config);
    return {
      module: AppModule,
      controllers: [
        AuthController,
        ApplicationsController,
        ApplicationExportController,
        HealthController,
        RevocationCheckController,
        TwoFactorController,
        StaffAdminController,
        PlatformController,
        ArchiveController,
        RecordsController,
        AuditController,
      ],
      providers: [
        { provide: BACKOFFICE_CONFIG, useValue: config },
        { provide: DataSource, useValue: dataSource },
        { provide: FormCatalog, useValue: forms },
        { provide: PasswordHasher, useValue: hasher },
        { provide: BLOB_STORE, useValue: new FileBlobStore(join(config.dataDir, 'blobs')) },
        { provide: SecretBox, useValue: secrets },
        {
          provide: AuthService,
          useFactory: (db: DataSource, h: PasswordHasher, box: SecretBox) =>
            new AuthService(db, h, box, undefined, config.session, config.loginRateLimit),
          inject: [DataSource, PasswordHasher, SecretBox],
        },
        {
          provide: TwoFactorService,
          useFactory: (db: DataSource, audit: AuditLog, box: SecretBox) =>
            new TwoFactorService(db, audit, box),
          inject: [DataSource, AuditLog, SecretBox],
        },
        {
          provide: StaffAdminService,
          useFactory: (db: DataSource, h: PasswordHasher, audit: AuditLog) =>
            new StaffAdminService(db, h, audit),
          inject: [DataSource, PasswordHasher, AuditLog],
        },
        {
          provide: PlatformService,
          useFactory: (db: DataSource, h: PasswordHasher, audit: AuditLog) =>
            new PlatformService(db, h, audit),
          inject: [DataSource, PasswordHasher, AuditLog],
        },
        {
          provide: StaffService,
          useFactory: (db: DataSource, h: PasswordHasher) => new StaffService(db, h),
          inject: [DataSource, PasswordHasher],
        },
        {
          provide: RecordsService,
          useFactory: (
            db: DataSource,
            blobs: FileBlobStore,
            catalog: FormCatalog,
            audit: AuditLog,
          ) => new RecordsService(db, blobs, catalog, audit),
          inject: [DataSource, BLOB_STORE, FormCatalog, AuditLog],
        },
        {
          provide: ApplicationSearchService,
          useFactory: (db: DataSource, catalog: FormCatalog) =>
            new ApplicationSearchService(db, catalog),
          inject: [DataSource, FormCatalog],
        },
        {
          provide: CsvExportService,
          useFactory: (search: ApplicationSearchService, catalog: FormCatalog) =>
            new CsvExportService(search, catalog),
          inject: [ApplicationSearchService, FormCatalog],
        },
        {
          provide: RecordDisposalService,
          useFactory: (db: DataSource, blobs: FileBlobStore, audit: AuditLog) =>
            new RecordDisposalService(db, blobs, audit),
          inject: [DataSource, BLOB_STORE, AuditLog],
        },
        {
          provide: ApplicationsService,
          useFactory: (
            db: DataSource,
            blobs: FileBlobStore,
            records: RecordsService,
            catalog: FormCatalog,
            audit: AuditLog,
          ) => new ApplicationsService(db, blobs, records, catalog, audit),
          inject: [DataSource, BLOB_STORE, RecordsService, FormCatalog, AuditLog],
        },
        {
          provide: ApplicationIntakeService,
          useFactory: (db: DataSource, blobs: FileBlobStore, catalog: FormCatalog) =>
            new ApplicationIntakeService(db, blobs, verifier, catalog),
          inject: [DataSource, BLOB_STORE, FormCatalog],
        },
        {
          provide: PullWorker,
          useFactory: (intake: ApplicationIntakeService, db: DataSource) =>
            new PullWorker(
              new TransferClient(config.portalTransferUrl, config.transferKey),
              intake,
              db,
              config.pullIntervalMs,
              new Logger('PullWorker'),
            ),
          inject: [ApplicationIntakeService, DataSource],
        },
        {
          provide: RevocationCheckService,
          useFactory: (db: DataSource, applications: ApplicationsService, audit: AuditLog) =>
            new RevocationCheckService(db, backofficeRecheckSource(config), applications, audit),
          inject: [DataSource, ApplicationsService, AuditLog],
        },
        {
          provide: RevocationRecheckScheduler,
          useFactory: (checks: RevocationCheckService) =>
            new RevocationRecheckScheduler(
              checks,
              config.revocationRecheckHour ?? 3,
              new Logger('RevocationRecheck'),
            ),
          inject: [RevocationCheckService],
        },
        {
          provide: ArchiveOutboxService,
          useFactory: (db: DataSource) => new ArchiveOutboxService(db),
          inject: [DataSource],
        },
        {
          provide: ArchiveConnectorsService,
          useFactory: (db: DataSource, audit: AuditLog, box: SecretBox) =>
            new ArchiveConnectorsService(db, box, audit),
          inject: [DataSource, AuditLog, SecretBox],
        },
        {
          // records reach the archive: outbox rows in the accepting transaction, files read by the worker
          provide: ARCHIVE_RECORD_SOURCE,
          useFactory: (
            db: DataSource,
            records: RecordsService,
            catalog: FormCatalog,
            outbox: ArchiveOutboxService,
          ) => {
            enqueueOnRecordCreated(records, outbox);
            return new RecordsArchiveSource(db, records, catalog);
          },
          inject: [DataSource, RecordsService, FormCatalog, ArchiveOutboxService],
        },
        archiveWorkerProvider(config),
        archiveFixityProvider(),
        {
          provide: ArchiveFixityScheduler,
          useFactory: (fixity: ArchiveFixityService) =>
            new ArchiveFixityScheduler(fixity, undefined, new Logger('ArchiveFixity')),
          inject: [ArchiveFixityService],
        },
        {
          provide: AuditViewService,
          useFactory: (db: DataSource, audit: AuditLog) => new AuditViewService(db, audit),
          inject: [DataSource, AuditLog],
        },
        SessionGuard,
        // every route: a live session and a listed role (@Roles), or @Public (web/roles.ts)
        { provide: APP_GUARD, useClass: RolesGuard },
        AuditLog,
        Lifecycle,
      ],
    };
  }
}
