import { existsSync } from 'node:fs';
import { CardError, CardErrorCode } from '../card.error';

// The shapes of @pokusew/pcsclite that the transport uses, declared here so that this library type-checks and
// loads on machines where the optional dependency could not be built (no libpcsclite-dev).

type Callback<T> = (error: Error | null | undefined, value: T) => void;

export interface PcscReaderStatus {
  state: number;
  atr?: Buffer;
}

export interface PcscReader {
  readonly name: string;
  readonly SCARD_SHARE_SHARED: number;
  readonly SCARD_SHARE_EXCLUSIVE: number;
  readonly SCARD_PROTOCOL_T0: number;
  readonly SCARD_PROTOCOL_T1: number;
  readonly SCARD_STATE_EMPTY: number;
  readonly SCARD_STATE_PRESENT: number;
  readonly SCARD_STATE_MUTE: number;
  readonly SCARD_LEAVE_CARD: number;
  readonly SCARD_RESET_CARD: number;
  on(event: 'status', listener: (status: PcscReaderStatus) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  connect(options: { share_mode: number; protocol: number }, callback: Callback<number>): void;
  disconnect(disposition: number, callback: (error: Error | null | undefined) => void): void;
  transmit(
    data: Buffer,
    maxResponseLength: number,
    protocol: number,
    callback: Callback<Buffer>,
  ): void;
  close(): void;
}

export interface Pcsc {
  on(event: 'reader', listener: (reader: PcscReader) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  close(): void;
}

export type PcscBinding = () => Pcsc;

export const PCSC_PACKAGE = '@pokusew/pcsclite';

/** pcsc-lite's client socket (PCSCLITE_CSOCK_NAME overrides it, as in libpcsclite itself). */
export function pcscdSocketPath(): string {
  return process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
}

/**
 * Loads the native binding on first use only. The binding's constructor loops on SCardEstablishContext while the
 * service is missing (it would hang this process), so on Linux the pcscd socket is checked first.
 */
export function loadPcscBinding(): PcscBinding {
  if (process.platform === 'linux' && !existsSync(pcscdSocketPath())) {
    throw new CardError(
      CardErrorCode.Transport,
      `PC/SC: pcscd is not running (no socket at ${pcscdSocketPath()}); start it with "pcscd --foreground" or via systemd`,
    );
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(PCSC_PACKAGE) as PcscBinding;
  } catch (error) {
    throw new CardError(
      CardErrorCode.Transport,
      `PC/SC support is not installed: the optional dependency ${PCSC_PACKAGE} could not be loaded ` +
        `(on Debian: apt-get install libpcsclite-dev, then npm rebuild ${PCSC_PACKAGE})`,
      undefined,
      error,
    );
  }
}
