import { join, resolve, sep } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { configureWebApp } from '@madoguchi/common';
import { formatJapaneseDate } from '@madoguchi/forms';
import { cookieSecret, type PortalConfig } from './config/portal.config';
import { PortalModule } from './portal.module';
import { PortalExceptionFilter } from './pages/portal-exception.filter';

export async function createPortalApp(config: PortalConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    PortalModule.forConfig(config),
    new FastifyAdapter({
      trustProxy: config.NODE_ENV === 'production',
      bodyLimit: 64 * 1024 * 1024,
    }),
    {
      rawBody: true,
      logger: config.NODE_ENV === 'test' ? ['error', 'warn'] : undefined,
    },
  );
  await configureWebApp(app, {
    viewsDir: join(portalSourceRoot(), 'views'),
    publicDir: join(portalSourceRoot(), 'public'),
    cookieSecret: cookieSecret(config),
    isProduction: config.NODE_ENV === 'production',
    cookiePrefix: 'portal',
    csrfExemptPrefixes: ['/transfer/'],
    formatJapaneseDate,
  });
  app.useGlobalFilters(new PortalExceptionFilter());
  app.enableShutdownHooks();
  return app;
}

/** apps/portal in the source tree: views and public assets are not compiled, so dist/ points back here. */
export function portalSourceRoot(): string {
  return __dirname.split(sep).includes('dist')
    ? resolve(__dirname, '..', '..', '..', '..', 'apps', 'portal')
    : resolve(__dirname, '..');
}
