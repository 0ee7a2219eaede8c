import { SignerError, SignerErrorCode } from './signer.error';

/** Asks for a PIN or password once; the value is never echoed, logged or kept. */
export type SecretPrompt = (question: string) => Promise<string>;

export interface RawInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const DELETE = 0x7f;
const CR = 0x0d;
const LF = 0x0a;
const MAX_LENGTH = 64;

function cancelled(): SignerError {
  return new SignerError(SignerErrorCode.Cancelled, 'cancelled at the PIN prompt');
}

/**
 * Reads a line from a TTY in raw mode, so the terminal echoes nothing (issue 4 §5). Backspace edits, Enter ends,
 * Ctrl-C (or Ctrl-D on an empty line) cancels.
 */
export function readSecretFromTty(
  input: RawInput,
  write: (text: string) => void,
  question: string,
): Promise<string> {
  if (!input.isTTY || !input.setRawMode) {
    return Promise.reject(new SignerError(SignerErrorCode.NoTerminal, 'stdin is not a terminal'));
  }
  const setRawMode = input.setRawMode.bind(input);
  write(question);
  return new Promise<string>((resolve, reject) => {
    const chars: number[] = [];
    const finish = (error?: SignerError): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      setRawMode(false);
      input.pause();
      write('\n');
      if (error) {
        reject(error);
      } else {
        resolve(Buffer.from(chars).toString('utf8'));
      }
      chars.fill(0);
    };
    const onEnd = (): void => finish(cancelled());
    const onData = (data: Buffer | string): void => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (const byte of bytes) {
        if (byte === CTRL_C || (byte === CTRL_D && chars.length === 0)) {
          finish(cancelled());
          return;
        }
        if (byte === CR || byte === LF) {
          finish();
          return;
        }
        if (byte === BACKSPACE || byte === DELETE) {
          chars.pop();
        } else if (byte >= 0x20 && chars.length < MAX_LENGTH) {
          chars.push(byte);
        }
      }
    };
    setRawMode(true);
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}

/** `--pin-stdin`: the first line of stdin (for scripts and tests); an empty stdin cancels. */
export function readSecretLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const done = (): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
    };
    const onData = (data: Buffer | string): void => {
      chunks.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      const all = Buffer.concat(chunks);
      const newline = all.indexOf(0x0a);
      if (newline >= 0) {
        done();
        resolve(all.subarray(0, newline).toString('utf8').replace(/\r$/, ''));
      }
    };
    const onEnd = (): void => {
      done();
      const line = Buffer.concat(chunks).toString('utf8').replace(/\r$/, '');
      if (line === '') {
        reject(cancelled());
      } else {
        resolve(line);
      }
    };
    const onError = (error: Error): void => {
      done();
      reject(new SignerError(SignerErrorCode.Cancelled, `stdin: ${error.message}`));
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
