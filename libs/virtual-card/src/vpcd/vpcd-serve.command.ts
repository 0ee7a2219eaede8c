import { parseArgs } from 'node:util';
import { VirtualMyNumberCard } from '../virtual-my-number-card';
import { VPCD_DEFAULT_HOST, VPCD_DEFAULT_PORT, VpcdClient, VpcdControl } from './vpcd.client';

export const SERVE_USAGE = `virtual-card serve FILE [--host H] [--port P] [--verbose]

Offers the virtual card in FILE to pcscd through vsmartcard's vpcd driver (the card is "inserted" in the
virtual reader while connected). Counters and other changes are written back to FILE.
  --host H    vpcd address (default ${VPCD_DEFAULT_HOST}; 127.0.0.2 with the quickack route, CARD-MIDDLEWARE.md §2.3)
  --port P    vpcd port (default ${VPCD_DEFAULT_PORT} = reader "Virtual PCD 00 00"; ${VPCD_DEFAULT_PORT + 1} = "00 01")
  --verbose   log power events and each APDU's INS and status word (never its data)
Stops on SIGINT or SIGTERM.`;

export interface ServeOptions {
  file: string;
  host: string;
  port: number;
  isVerbose: boolean;
}

export function parseServeArgs(args: string[]): ServeOptions {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      host: { type: 'string', default: VPCD_DEFAULT_HOST },
      port: { type: 'string', default: String(VPCD_DEFAULT_PORT) },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) {
    throw new Error(`expected one state FILE\n${SERVE_USAGE}`);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--port must be 1..65535, got ${values.port}`);
  }
  return { file: positionals[0], host: values.host, port, isVerbose: values.verbose };
}

/** Starts serving; resolves to the running client (stop it to remove the card). */
export function serveVirtualCard(
  options: ServeOptions,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): VpcdClient {
  const card = VirtualMyNumberCard.open(options.file);
  const client = new VpcdClient(card, { host: options.host, port: options.port });
  client.on('connected', (address) => log(`vpcd ${address}: card inserted`));
  client.on('disconnected', (reason) => log(`vpcd: card removed (${reason})`));
  client.on('cardError', (error) => log(`card error: ${error.message}`));
  if (options.isVerbose) {
    client.on('control', (control) => log(`power: ${VpcdControl[control]}`));
    client.on('apdu', ({ ins, sw }) =>
      log(`INS ${ins.toString(16).padStart(2, '0')} -> ${sw.toString(16).padStart(4, '0')}`),
    );
  }
  client.start();
  log(`serving ${options.file} to vpcd at ${options.host}:${options.port}; waiting for pcscd`);
  return client;
}

export const SERVE_USAGE_LINE =
  'serve FILE [--host H] [--port P] [--verbose]   (offer the card to pcscd via vpcd)';

/** `virtual-card serve`: runs until SIGINT/SIGTERM, then removes the card and resolves to exit code 0. */
export async function runServeCommand(
  args: string[],
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  let options: ServeOptions;
  try {
    options = parseServeArgs(args);
  } catch (error) {
    log(`virtual-card serve: ${(error as Error).message}`);
    return 2;
  }
  const client = serveVirtualCard(options, log);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await client.stop();
  log('stopped');
  return 0;
}
