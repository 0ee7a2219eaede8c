import { acquireStartupLock } from '@madoguchi/common';
import { configureWebApp } from '@madoguchi/web';
import { formatJapaneseDate, parseIsoDate } from '@madoguchi/forms';
import { Logger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { resolve } from 'node:path';
import { AppModule } from './app.module';
import { DEFAULT_SCRYPT_COST, PasswordHasher, type ScryptCost } from './auth/password.hasher';
import type { BackofficeConfig } from './config/backoffice.config';
import { openBackofficeDatabase } from './database/backoffice.database';
import { FormCatalog } from './forms/form-catalog';
import { backfillSearchColumns } from './search/search-backfill';
import { StaffService } from './staff/staff.service';
import { sealStoredSecrets, secretBoxOf } from './database/stored-secrets';
import { RecordDisposalService } from './records/record-disposal.service';
import { PullWorker } from './transfer/pull.worker';
import { RevocationRecheckScheduler } from './revocation/revocation-recheck.scheduler';
import { ArchiveWorker } from './archive/archive.worker';
import { ArchiveFixityScheduler } from './archive/archive.providers';
import { BackofficeExceptionFilter } from './web/backoffice-exception.filter';
import { SESSION_COOKIE } from './web/session.guard';

/** The demo municipality until forms/990019/municipality.yaml is there. */
export const DEMO_MUNICIPALITY = {
  code: '990019',
  name: { ja: 'まどぐち市（デモ）', en: 'Madoguchi City (demo)' },
};

export interface BackofficeAppOptions {
  /** where the first admin's one-time password goes; stdout by default (printed once, never logged) */
  announceFirstAdmin?: (loginId: string, password: string) => void;
  /**
   * tests: do not start the pull worker on an interval (call PullWorker.runOnce instead) nor the nightly
   * 現況確認 (call RevocationCheckService.checkAllOpen)
   */
  isWorkerManual?: boolean;
  /** tests only: a cheaper scrypt cost */
  scryptCost?: ScryptCost;
  /** false: silent (tests); a LoggerService: every message to it (a test reads what start-up logged) */
  logger?: false | LoggerService;
}

/** apps/backoffice/views and public, from the source tree or from dist/apps/backoffice/src. */
function appDir(name: string): string {
  const candidates = [
    resolve(__dirname, '..', name),
    resolve(__dirname, '../../../../apps/backoffice', name),
    resolve(process.cwd(), 'apps/backoffice', name),
  ];
  return candidates.find((d) => existsSync(d)) ?? candidates[0];
}

function printFirstAdmin(loginId: string, password: string): void {
  process.stdout.write(
    [
      '',
      '==================================================================',
      ' madoguchi back office: first IT-admin account (shown only once)',
      `   login id:           ${loginId}`,
      `   one-time password:  ${password}`,
      ' Change it at first login. It is not stored or shown again.',
      '==================================================================',
      '',
    ].join('\n'),
  );
}

const japaneseDate = (iso: string): string => (parseIsoDate(iso) ? formatJapaneseDate(iso) : iso);

/**
 * Builds the back office (database migrated, demo municipality and first admin seeded, web setup, pull worker)
 * without listening; the caller calls listen(). Tests start it on port 0.
 */
export async function createBackofficeApp(
  config: BackofficeConfig,
  options: BackofficeAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = new Logger('Backoffice');
  const secrets = secretBoxOf(config);
  // processes starting at once on one database take turns: migrations and first-start seeding run once
  const startup = await acquireStartupLock(config.databaseUrl, 'madoguchi backoffice start-up');
  let isStartupLocked = true;
  const endStartup = async (): Promise<void> => {
    if (isStartupLocked) {
      isStartupLocked = false;
      await startup.release();
    }
  };
  let dataSource: DataSource;
  try {
    dataSource = await openBackofficeDatabase(config.databaseUrl);
  } catch (e) {
    await endStartup();
    throw e;
  }
  try {
    const sealing = await sealStoredSecrets(dataSource, secrets);
    if (sealing.sealed > 0) {
      logger.log(`${sealing.sealed} stored secrets sealed with BACKOFFICE_SECRETS_KEY`);
    }
    if (sealing.underOtherKey > 0) {
      logger.warn(
        `${sealing.underOtherKey} stored secrets were sealed with another key than BACKOFFICE_SECRETS_KEY (key id ${secrets.keyId}) and cannot be used: those staff enrol TOTP again (管理者 resets it) and those archive connectors need their secret typed again`,
      );
    }
    const forms = FormCatalog.load(config.formsDir, (m) => logger.warn(m));
    const filled = await backfillSearchColumns(dataSource, forms);
    if (filled.departments + filled.names > 0) {
      logger.log(`search columns filled: ${filled.departments} departments, ${filled.names} names`);
    }
    const hasher = new PasswordHasher(options.scryptCost ?? DEFAULT_SCRYPT_COST);
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.register({ config, dataSource, forms, hasher }),
      new FastifyAdapter({ trustProxy: config.isProduction }),
      { logger: options.logger ?? undefined },
    );
    app.enableShutdownHooks();
    app.useGlobalFilters(new BackofficeExceptionFilter());
    await configureWebApp(app, {
      viewsDir: appDir('views'),
      publicDir: appDir('public'),
      cookieSecret: config.cookieSecret,
      isProduction: config.isProduction,
      cookiePrefix: 'bo',
      // a form's token only works with the session it was shown to
      csrfUserInfo: (req) => req.cookies[SESSION_COOKIE],
      formatJapaneseDate: japaneseDate,
    });

    const staff = app.get(StaffService);
    const municipalities =
      forms.municipalities.length > 0 ? forms.municipalities : [DEMO_MUNICIPALITY];
    await staff.ensureMunicipalities(municipalities);
    const home = municipalities.find((m) => m.code === DEMO_MUNICIPALITY.code) ?? municipalities[0];
    const password = await staff.ensureFirstAdmin(home.code);
    if (password) {
      (options.announceFirstAdmin ?? printFirstAdmin)('admin', password);
    }
    const platformAdmin = await staff.ensurePlatformAdmin();
    if (platformAdmin) {
      logger.log(`${platformAdmin} is now the platform administrator (adds municipalities)`);
    }
    // disposals whose file deletion was interrupted (the process died after the commit): finished now, not only by
    // npm run backoffice:disposal. Counts only: never a key or what the files held.
    try {
      const finished = await app.get(RecordDisposalService).finishPending();
      if (finished.disposals > 0) {
        logger.log(
          `interrupted record disposals finished: ${finished.files} files removed (${finished.disposals} disposals)`,
        );
      }
    } catch (e) {
      logger.warn(
        `interrupted record disposals not finished (npm run backoffice:disposal finishes them): ${(e as Error).message}`,
      );
    }
    await endStartup();
    if (!options.isWorkerManual) {
      app.get(PullWorker).start();
      app.get(RevocationRecheckScheduler).start();
      app.get(ArchiveWorker).start();
      app.get(ArchiveFixityScheduler).start();
    }
    return app;
  } catch (e) {
    await endStartup();
    if (dataSource.isInitialized) {
      await dataSource.destroy();
    }
    throw e;
  }
}
