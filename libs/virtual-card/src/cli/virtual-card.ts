import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DomainError } from '@madoguchi/common';
import type { SexCode } from '@madoguchi/jpki';
import { SimulatedJlis } from '../jlis';
import { VirtualMyNumberCard } from '../virtual-my-number-card';
import { SERVE_USAGE_LINE, runServeCommand } from '../vpcd/vpcd-serve.command';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** One subcommand: the arguments after its name; resolves to the exit code. */
export type VirtualCardCommand = (args: string[], io: CliIo) => Promise<number>;

interface CommandEntry {
  usage: string;
  run: VirtualCardCommand;
}

export const DEFAULT_JLIS_DIR = 'data/jlis';
export const DEFAULT_JLIS_URL = 'http://127.0.0.1:3002';

class UsageError extends Error {}

function need(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`${flag} is required`);
  }
  return value;
}

/** YYYY-MM-DD (or YYYYMMDD) of a real calendar day → 'YYYYMMDD'. */
export function parseBirthdate(value: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !date || date.toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`) {
    throw new UsageError(`--birthdate must be a date YYYY-MM-DD, got ${value}`);
  }
  return `${m[1]}${m[2]}${m[3]}`;
}

function parseSex(value: string): Exclude<SexCode, '0'> {
  if (value !== '1' && value !== '2' && value !== '9') {
    throw new UsageError('--sex must be 1 (male), 2 (female) or 9 (not applicable)');
  }
  return value;
}

/**
 * Opens a card state file for a long-running consumer (e.g. `serve` through vpcd). Counter changes
 * are written back to the file as they happen.
 */
export function openVirtualCard(file: string): VirtualMyNumberCard {
  return VirtualMyNumberCard.open(file);
}

const create: VirtualCardCommand = async (args, io) => {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string' },
      name: { type: 'string' },
      address: { type: 'string' },
      birthdate: { type: 'string' },
      sex: { type: 'string' },
      'sign-password': { type: 'string' },
      pin: { type: 'string' },
      'auth-pin': { type: 'string' },
      'jlis-dir': { type: 'string' },
      'jlis-url': { type: 'string' },
      force: { type: 'boolean' },
    },
    strict: true,
  });
  const out = need(values.out, '--out');
  if (existsSync(out) && values.force !== true) {
    // A card file holds counters; overwriting it silently would be a new card.
    throw new UsageError(`${out} exists (use --force to replace the card)`);
  }
  const basicFour = {
    name: need(values.name, '--name'),
    address: need(values.address, '--address'),
    birthdate: parseBirthdate(need(values.birthdate, '--birthdate')),
    sex: parseSex(need(values.sex, '--sex')),
  };
  const pin = need(values.pin, '--pin');
  const card = await VirtualMyNumberCard.create({
    basicFour,
    signPassword: need(values['sign-password'], '--sign-password'),
    authPin: values['auth-pin'] ?? pin,
    textPin: pin,
  });
  const jlis = await SimulatedJlis.open(values['jlis-dir'] ?? DEFAULT_JLIS_DIR, {
    baseUrl: values['jlis-url'] ?? DEFAULT_JLIS_URL,
  });
  const keys = card.publicKeys();
  const issued = await jlis.issueCard({
    ...basicFour,
    signPublicKey: keys.sign,
    authPublicKey: keys.auth,
  });
  card.installCertificates(issued);
  card.saveTo(out);
  io.out(`created virtual My Number Card (TEST) ${out}`);
  io.out(`  signing certificate serial ${issued.signSerial}`);
  io.out(`  authentication certificate serial ${issued.authSerial}`);
  io.out(`  issued by the simulated J-LIS in ${jlis.dir}`);
  return 0;
};

const info: VirtualCardCommand = (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) {
    throw new UsageError('info takes one state file');
  }
  const description = VirtualMyNumberCard.open(positionals[0]).describe();
  if (values.json === true) {
    io.out(JSON.stringify(description, null, 2));
    return Promise.resolve(0);
  }
  const { basicFour, triesLeft, certificates } = description;
  io.out(`virtual My Number Card (TEST card), token ${description.tokenLabel}`);
  io.out(`  name      ${basicFour.name}`);
  io.out(`  address   ${basicFour.address}`);
  io.out(`  birthdate ${basicFour.birthdate}   sex ${basicFour.sex}`);
  io.out(
    `  tries left: signing password ${triesLeft.sign}/5, auth PIN ${triesLeft.auth}/3, card-input PIN ${triesLeft.text}/3`,
  );
  for (const [name, cert] of Object.entries(certificates)) {
    io.out(`  ${name.padEnd(8)} serial ${cert.serialNumber}, valid to ${cert.validTo}`);
    io.out(`           subject ${cert.subject.replace(/\n/g, ', ')}`);
  }
  if (Object.keys(certificates).length === 0) {
    io.out('  no certificates installed');
  }
  return Promise.resolve(0);
};

const commands = new Map<string, CommandEntry>([
  [
    'create',
    {
      usage:
        'create --out FILE --name NAME --address ADDRESS --birthdate YYYY-MM-DD --sex 1|2|9 --sign-password PW --pin NNNN [--auth-pin NNNN] [--jlis-dir DIR] [--jlis-url URL] [--force]',
      run: create,
    },
  ],
  ['info', { usage: 'info FILE [--json]   (no keys, PINs or individual number)', run: info }],
  ['serve', { usage: SERVE_USAGE_LINE, run: (args, io) => runServeCommand(args, io.err) }],
]);

/** Hook for further subcommands (`serve` is implemented in ../vpcd and listed above). */
export function registerVirtualCardCommand(
  name: string,
  usage: string,
  run: VirtualCardCommand,
): void {
  commands.set(name, { usage, run });
}

function usage(): string {
  return [
    'usage (a software TEST card, never a real one):',
    ...[...commands.values()].map((c) => `  virtual-card ${c.usage}`),
  ].join('\n');
}

const defaultIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    const command = name === undefined ? undefined : commands.get(name);
    if (!command) {
      throw new UsageError(name ? `unknown command ${name}` : 'no command');
    }
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof DomainError) {
      io.err(`virtual-card: ${error.message}`);
      return 1;
    }
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`virtual-card: ${(error as Error).message}`);
      io.err(usage());
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
