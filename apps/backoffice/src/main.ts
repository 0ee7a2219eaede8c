import { ConfigError } from '@madoguchi/common';
import { Logger } from '@nestjs/common';
import { createBackofficeApp } from './backoffice.app';
import { loadBackofficeConfig } from './config/backoffice.config';

async function main(): Promise<void> {
  const config = loadBackofficeConfig(process.env);
  const app = await createBackofficeApp(config);
  await app.listen({ port: config.port, host: config.host });
  new Logger('Backoffice').log(`back office: http://${config.host}:${config.port}/`);
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof ConfigError ? e.message : String((e as Error).stack ?? e)}\n`,
  );
  process.exit(1);
});
