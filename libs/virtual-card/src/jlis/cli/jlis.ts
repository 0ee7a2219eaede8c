import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DomainError } from '@madoguchi/common';
import { parseRevocationReason, revocationReasons } from '../revocation-reason';
import { SimulatedJlis } from '../simulated-jlis';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when `serve` should stop; by default on SIGINT or SIGTERM. */
  untilStopped?: () => Promise<void>;
}

const USAGE = `usage (a TEST J-LIS: never the real one):
  jlis serve  --dir DIR [--port 3002] [--host 127.0.0.1] [--base-url URL]
  jlis revoke --dir DIR (--serial HEX | --cert FILE.der) --reason REASON
  jlis list   --dir DIR [--json]
reasons: ${revocationReasons.join(', ')} (a move: superseded)`;

const untilSignal = (): Promise<void> =>
  new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

class UsageError extends Error {}

function need(value: string | undefined, flag: string): string {
  if (!value) {
    throw new UsageError(`${flag} is required`);
  }
  return value;
}

async function serve(
  values: Record<string, string | boolean | undefined>,
  io: CliIo,
): Promise<number> {
  const dir = need(values.dir as string | undefined, '--dir');
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  const port = Number((values.port as string | undefined) ?? '3002');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError('--port must be 0–65535');
  }
  const baseUrl = (values['base-url'] as string | undefined) ?? `http://${host}:${port}`;
  const jlis = await SimulatedJlis.open(dir, { baseUrl });
  const server = await jlis.listen(port, host);
  // The dev launcher waits for this line before it starts anything that needs the CRL or OCSP.
  io.out(`jlis: TEST J-LIS listening on ${server.url} (state ${dir})`);
  await (io.untilStopped ?? untilSignal)();
  await server.close();
  return 0;
}

async function revoke(
  values: Record<string, string | boolean | undefined>,
  io: CliIo,
): Promise<number> {
  const dir = need(values.dir as string | undefined, '--dir');
  const reason = parseRevocationReason(need(values.reason as string | undefined, '--reason'));
  const serial = values.serial as string | undefined;
  const cert = values.cert as string | undefined;
  if (Boolean(serial) === Boolean(cert)) {
    throw new UsageError('give exactly one of --serial and --cert');
  }
  const jlis = await SimulatedJlis.open(dir);
  const record = serial
    ? await jlis.revoke(serial, reason)
    : await jlis.revokeCertificate(readFileSync(cert!), reason);
  io.out(
    `revoked ${record.kind} certificate ${record.serial} (${reason}) at ${record.revocation?.at}`,
  );
  return 0;
}

async function list(
  values: Record<string, string | boolean | undefined>,
  io: CliIo,
): Promise<number> {
  const jlis = await SimulatedJlis.open(need(values.dir as string | undefined, '--dir'));
  const certificates = await jlis.list();
  if (values.json) {
    io.out(JSON.stringify(certificates, null, 2));
    return 0;
  }
  for (const c of certificates) {
    const status = c.revocation ? `revoked ${c.revocation.at} ${c.revocation.reason}` : 'good';
    io.out(`${c.serial}  ${c.kind}  card ${c.cardId}  until ${c.notAfter}  ${status}`);
  }
  io.out(`${certificates.length} certificate${certificates.length === 1 ? '' : 's'}`);
  return 0;
}

/** `jlis serve|revoke|list`; returns the exit code (0 done, 1 refused, 2 usage). */
export async function main(
  args: string[],
  io: CliIo = { out: console.log, err: console.error },
): Promise<number> {
  const [command, ...rest] = args;
  try {
    const { values } = parseArgs({
      args: rest,
      options: {
        dir: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'base-url': { type: 'string' },
        serial: { type: 'string' },
        cert: { type: 'string' },
        reason: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    switch (command) {
      case 'serve':
        return await serve(values, io);
      case 'revoke':
        return await revoke(values, io);
      case 'list':
        return await list(values, io);
      default:
        throw new UsageError(command ? `unknown command ${command}` : 'no command');
    }
  } catch (error) {
    if (error instanceof DomainError) {
      io.err(`jlis: ${error.message}`);
      return 1;
    }
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`jlis: ${(error as Error).message}`);
      io.err(USAGE);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
