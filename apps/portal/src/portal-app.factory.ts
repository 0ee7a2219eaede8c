import { join, resolve, sep } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { configureWebApp } from '@madoguchi/web';
import { formatJapaneseDate } from '@madoguchi/forms';
import { cookieSecret, type PortalConfig } from './config/portal.config';
import { PortalModule } from './portal.module';
import { portalTrust } from './config/portal-trust';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { PortalExceptionFilter } from './pages/portal-exception.filter';

export async function createPortalApp(config: PortalConfig): Promise<NestFastifyApplication> {
  const trust = portalTrust(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    PortalModule.forConfig(config, trust),
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
    // the transfer API authenticates by HMAC, the signer API by its session token: neither uses cookies
    csrfExemptPrefixes: ['/transfer/', '/api/'],
    // for @OriginChecked() routes (a form's start button): the public URL behind a proxy
    trustedOrigins: [config.PORTAL_PUBLIC_URL],
    formatJapaneseDate,
  });
  app.useGlobalFilters(new PortalExceptionFilter());
  const openApi = new DocumentBuilder()
    .setTitle('madoguchi signer API')
    .setDescription(
      'Two-phase card-face reading and JPKI signing for card apps (issue 4). The session token from the QR code is the only credential.',
    )
    .setVersion('1')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi));
  app.enableShutdownHooks();
  return app;
}

/** apps/portal in the source tree: views and public assets are not compiled, so dist/ points back here. */
export function portalSourceRoot(): string {
  return __dirname.split(sep).includes('dist')
    ? resolve(__dirname, '..', '..', '..', '..', 'apps', 'portal')
    : resolve(__dirname, '..');
}
