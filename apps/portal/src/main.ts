import 'reflect-metadata';
import { ConfigError, loadConfig } from '@madoguchi/common';
import { PortalConfig } from './config/portal.config';
import { createPortalApp } from './portal-app.factory';

async function main(): Promise<void> {
  let config: PortalConfig;
  try {
    config = loadConfig(PortalConfig, process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`portal: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const app = await createPortalApp(config);
  await app.listen(config.PORTAL_PORT, config.PORTAL_HOST);
  console.log(
    `portal: listening on ${await app.getUrl()} (residents: ${config.PORTAL_PUBLIC_URL})`,
  );
}

void main();
