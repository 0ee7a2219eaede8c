import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@madoguchi/common';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import { PortalConfig } from '../../apps/portal/src/config/portal.config';
import { createPortalApp } from '../../apps/portal/src/portal-app.factory';
import {
  createBackofficeApp,
  type BackofficeAppOptions,
} from '../../apps/backoffice/src/backoffice.app';
import {
  loadBackofficeConfig,
  type BackofficeConfig,
} from '../../apps/backoffice/src/config/backoffice.config';
import { startJlis } from './signing-env';
import { testDatabaseUrl } from './test-database';

/** Both zones and the J-LIS they trust, as startZones started them. */
export interface Zones {
  jlis: SimulatedJlis;
  /** the J-LIS root certificate (DER), for an independent `openssl cms -verify` */
  rootFile: string;
  portal: NestFastifyApplication;
  portalUrl: string;
  backoffice: NestFastifyApplication;
  backofficeUrl: string;
  /** the back office's database, for its command-line tools */
  backofficeDatabaseUrl: string;
  /** BACKOFFICE_DATA_DIR */
  backofficeDataDir: string;
  /** Takes the J-LIS off the network (OCSP and CRL stop answering); close() does not close it again. */
  closeJlis(): Promise<void>;
  /** The back office, the portal, then the J-LIS. */
  close(): Promise<void>;
}

/**
 * A simulated J-LIS, the portal and the back office on loopback ports, configured as the launcher configures them:
 * both zones trust the J-LIS's test certificates, share a transfer key and read the test forms (test/fixtures/forms);
 * the back office pulls only when a test asks (PullWorker.runOnce). Their databases are `<prefix>_portal` and
 * `<prefix>_backoffice` (in `dir`, or on TEST_POSTGRES_URL); `overrides` adds to or replaces either zone's
 * environment. Whatever started is closed again if a later step fails.
 */
export async function startZones(
  dir: string,
  prefix: string,
  overrides: { portal?: Record<string, string>; backoffice?: Record<string, string> } = {},
): Promise<Zones> {
  const started = await startJlis(dir);
  let jlisClosed: Promise<void> | undefined;
  const closeJlis = () => (jlisClosed ??= started.close());
  let portal: NestFastifyApplication | undefined;
  let backoffice: NestFastifyApplication | undefined;
  const close = async () => {
    await backoffice?.close();
    await portal?.close();
    await closeJlis();
  };
  try {
    const env = {
      JPKI_TRUST_ANCHORS: started.rootFile,
      JPKI_INTERMEDIATES: started.signCaFile,
      JPKI_ACCEPT_TEST_CERTIFICATES: 'true',
      TRANSFER_KEY: `${prefix}-transfer-key-0123456789abcdef`,
      FORMS_DIR: join(__dirname, '..', 'fixtures', 'forms'),
    };
    portal = await createPortalApp(
      loadConfig(PortalConfig, {
        NODE_ENV: 'test',
        PORTAL_DATABASE_URL: await testDatabaseUrl(`${prefix}_portal`, dir),
        PORTAL_DATA_DIR: join(dir, 'portal'),
        ...env,
        ...overrides.portal,
      }),
    );
    await portal.listen(0, '127.0.0.1');
    const portalUrl = (await portal.getUrl()).replace('[::1]', '127.0.0.1');
    const backofficeDatabaseUrl = await testDatabaseUrl(`${prefix}_backoffice`, dir);
    const backofficeDataDir = join(dir, 'backoffice');
    const config = loadBackofficeConfig({
      NODE_ENV: 'test',
      BACKOFFICE_DATABASE_URL: backofficeDatabaseUrl,
      BACKOFFICE_DATA_DIR: backofficeDataDir,
      PORTAL_TRANSFER_URL: portalUrl,
      BACKOFFICE_COOKIE_SECRET: 'c'.repeat(32),
      ...env,
      ...overrides.backoffice,
    });
    backoffice = await createBackofficeApp(
      { ...config, port: 0 },
      { isWorkerManual: true, logger: false, announceFirstAdmin: () => undefined },
    );
    await backoffice.listen(0, '127.0.0.1');
    return {
      jlis: started.jlis,
      rootFile: started.rootFile,
      portal,
      portalUrl,
      backoffice,
      backofficeUrl: (await backoffice.getUrl()).replace('[::1]', '127.0.0.1'),
      backofficeDatabaseUrl,
      backofficeDataDir,
      closeJlis,
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/**
 * The back office alone on a loopback port, with the repository's forms (forms/) and no portal to pull from (its
 * transfer URL answers nothing); it pulls only when a test asks. Its database is `name` (in `dir`, or on
 * TEST_POSTGRES_URL), its data in `dir`/data. `options` adds to or replaces the test defaults (a manual worker, no
 * logger, the first admin's password announced nowhere).
 */
export async function startBackoffice(
  dir: string,
  name: string,
  options: BackofficeAppOptions = {},
): Promise<{ app: NestFastifyApplication; baseUrl: string }> {
  const config: BackofficeConfig = {
    port: 0,
    host: '127.0.0.1',
    databaseUrl: await testDatabaseUrl(name, dir),
    dataDir: join(dir, 'data'),
    portalTransferUrl: 'http://127.0.0.1:9',
    transferKey: 'k'.repeat(32),
    cookieSecret: 'c'.repeat(32),
    pullIntervalMs: 60_000,
    formsDir: resolve(__dirname, '..', '..', 'forms'),
    isProduction: false,
  };
  const app = await createBackofficeApp(config, {
    isWorkerManual: true,
    logger: false,
    announceFirstAdmin: () => undefined,
    ...options,
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  } catch (err) {
    await app.close();
    throw err;
  }
}
