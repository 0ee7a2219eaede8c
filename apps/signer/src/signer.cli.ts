import { parseArgs } from 'node:util';
import type { CardSource } from './card-connection';
import { RawInput, readSecretFromTty, readSecretLine, SecretPrompt } from './secret-prompt';
import { errorText, EXIT_CODE, exitCodeOf, Lang } from './signer-messages';
import { runSignerSession } from './signer-session';
import { SignerError, SignerErrorCode } from './signer.error';

export const USAGE =
  'signer <url-from-qr> [--reader NAME | --virtual-card FILE] [--pin-stdin] [--lang ja|en] [--insecure-http]';

export interface SignerCliIo {
  stdin: RawInput;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Raw writes to the terminal (the prompt, without a newline). */
  write: (text: string) => void;
  fetch?: typeof fetch;
}

function usage(why: string): SignerError {
  return new SignerError(SignerErrorCode.Usage, `${why}\n${USAGE}`);
}

export interface SignerCliOptions {
  url: string;
  card: CardSource;
  isPinFromStdin: boolean;
  lang: Lang;
  isInsecureHttpAllowed: boolean;
}

export function parseSignerArgs(argv: string[]): SignerCliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        reader: { type: 'string' },
        'virtual-card': { type: 'string' },
        'pin-stdin': { type: 'boolean' },
        lang: { type: 'string' },
        'insecure-http': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    throw usage('give exactly one URL (the one in the QR code)');
  }
  if (values.reader !== undefined && values['virtual-card'] !== undefined) {
    throw usage('--reader and --virtual-card exclude each other');
  }
  const lang = values.lang ?? 'ja';
  if (lang !== 'ja' && lang !== 'en') {
    throw usage('--lang must be ja or en');
  }
  const card: CardSource =
    values['virtual-card'] !== undefined
      ? { kind: 'virtual', file: values['virtual-card'] }
      : { kind: 'pcsc', reader: values.reader };
  return {
    url: positionals[0],
    card,
    isPinFromStdin: values['pin-stdin'] === true,
    lang,
    isInsecureHttpAllowed: values['insecure-http'] === true,
  };
}

/** The whole CLI; resolves to the exit code (signer-messages.ts EXIT_CODE). Never prints a PIN or password. */
export async function runSignerCli(argv: string[], io: SignerCliIo): Promise<number> {
  // Until the arguments parse, pick the language by hand so a usage error is shown in it.
  const langAt = argv.indexOf('--lang');
  let lang: Lang = argv.includes('--lang=en') || argv[langAt + 1] === 'en' ? 'en' : 'ja';
  try {
    const options = parseSignerArgs(argv);
    lang = options.lang;
    const askSecret: SecretPrompt = options.isPinFromStdin
      ? (question) => {
          io.write(question);
          return readSecretLine(io.stdin).finally(() => io.write('\n'));
        }
      : (question) => readSecretFromTty(io.stdin, io.write, question);
    await runSignerSession({
      url: options.url,
      card: options.card,
      askSecret,
      lang,
      out: io.out,
      fetch: io.fetch,
      isInsecureHttpAllowed: options.isInsecureHttpAllowed,
    });
    return EXIT_CODE.ok;
  } catch (error) {
    if (error instanceof SignerError) {
      io.err(errorText(error)[lang]);
      const isSelfExplained = [
        SignerErrorCode.Cancelled,
        SignerErrorCode.WrongPin,
        SignerErrorCode.Usage,
      ].includes(error.code);
      if (!isSelfExplained) {
        io.err(`(${error.code}: ${error.message})`);
      }
    } else {
      io.err(
        lang === 'ja'
          ? `予期しないエラーが発生しました: ${(error as Error).message}`
          : `Unexpected error: ${(error as Error).message}`,
      );
    }
    return exitCodeOf(error);
  }
}
