import { CardError, CardErrorCode } from '../card.error';
import { CardTransport } from '../card-transport';
import { Pcsc, PcscBinding, PcscReader, PcscReaderStatus, loadPcscBinding } from './pcsc-binding';

export interface PcscReaderInfo {
  name: string;
  hasCard: boolean;
  /** ATR of the card in the reader, when there is one. */
  atr?: Uint8Array;
}

export interface PcscOptions {
  /** Reader to use: its exact name, a part of it, or a pattern. Default: the first reader holding a card. */
  reader?: string | RegExp;
  /** How long to wait for a reader with a card in it. */
  cardTimeoutMs?: number;
  /** How long one APDU may take. RSA-2048 signing on a real card takes up to a few seconds (JPKI.md §6.7). */
  transmitTimeoutMs?: number;
  /** Exclusive (default) keeps other applications from interleaving APDUs between VERIFY and SIGN. */
  shareMode?: 'exclusive' | 'shared';
  /** Set only for readers known to pass extended-length APDUs (JPKI.md §1.3: short APDUs by default). */
  supportsExtendedLength?: boolean;
  /** Loads the binding; default: requires `@pokusew/pcsclite` on first use (an optional dependency). */
  loadBinding?: () => PcscBinding;
}

export const PCSC_DEFAULT_CARD_TIMEOUT_MS = 30_000;
export const PCSC_DEFAULT_TRANSMIT_TIMEOUT_MS = 30_000;
const REMOVAL_CONFIRM_MS = 1_000;

// PC/SC return codes (pcsc-lite pcsclite.h / winscard), as the binding prints them in its messages: "...(0x80100069)".
const PCSC_MEANINGS: Record<number, string> = {
  0x80100069: 'card removed',
  0x8010000c: 'card removed',
  0x80100068: 'card was reset by another application',
  0x80100016: 'card did not answer (removed during the command?)',
  0x80100066: 'card is unresponsive',
  0x80100067: 'card is unpowered',
  0x80100017: 'reader disconnected',
  0x80100009: 'reader disconnected',
  0x8010000b: 'card is in use by another application',
  0x8010001d: 'pcscd stopped',
  0x8010001e: 'pcscd stopped',
  0x80100008: 'response longer than the receive buffer',
  0x8010000f: 'the card does not support the requested protocol',
};

function pcscCode(error: unknown): number | undefined {
  const match = /\(0x([0-9a-f]{8})\)/i.exec(error instanceof Error ? error.message : String(error));
  return match ? parseInt(match[1], 16) : undefined;
}

function meaningOf(error: unknown): string {
  const code = pcscCode(error);
  return (code !== undefined ? PCSC_MEANINGS[code] : undefined) ?? 'PC/SC error';
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

function matchesReader(name: string, wanted: string | RegExp | undefined): boolean {
  if (wanted === undefined) {
    return true;
  }
  return typeof wanted === 'string' ? name === wanted || name.includes(wanted) : wanted.test(name);
}

function hasCard(reader: PcscReader, state: number): boolean {
  return (state & reader.SCARD_STATE_PRESENT) !== 0 && (state & reader.SCARD_STATE_MUTE) === 0;
}

interface ReaderEntry {
  reader: PcscReader;
  status?: PcscReaderStatus;
  /** The reader's status thread failed (e.g. pcscd stopped or the reader was unplugged). */
  failure?: Error;
}

/** One PC/SC context and the readers it has seen; closing it releases every native handle. */
class PcscSession {
  readonly pcsc: Pcsc;
  readonly readers = new Map<string, ReaderEntry>();
  private readonly listeners = new Set<() => void>();
  private isClosed = false;
  failure: Error | undefined;

  constructor(binding: PcscBinding) {
    this.pcsc = binding();
    // The binding emits "SCardGetStatusChange error: Command cancelled. (0x80100002)" on close: harmless, but an
    // EventEmitter without an error listener would throw it (CARD-MIDDLEWARE.md §4).
    this.pcsc.on('error', (error) => {
      if (!this.isClosed) {
        this.failure = error;
        this.notify();
      }
    });
    this.pcsc.on('reader', (reader) => {
      const entry: ReaderEntry = { reader };
      this.readers.set(reader.name, entry);
      reader.on('error', (error) => {
        if (!this.isClosed) {
          entry.failure = error;
          this.notify();
        }
      });
      reader.on('status', (status) => {
        entry.status = status;
        this.notify();
      });
      reader.on('end', () => {
        this.readers.delete(reader.name);
        this.notify();
      });
      this.notify();
    });
  }

  /** Calls `check` on every reader or status change until it returns a value, or times out. */
  waitFor<T>(check: () => T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listener = (): void => {
        if (this.failure) {
          done();
          reject(this.failure);
          return;
        }
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(onTimeout());
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      listener();
    });
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }

  /** Node keeps running until close() has been called on every reader and on the context (§4). */
  close(): void {
    if (this.isClosed) {
      return;
    }
    this.isClosed = true;
    this.listeners.clear();
    for (const { reader } of this.readers.values()) {
      reader.close();
    }
    this.readers.clear();
    this.pcsc.close();
  }
}

function openSession(options: PcscOptions): PcscSession {
  const binding = (options.loadBinding ?? loadPcscBinding)();
  return new PcscSession(binding);
}

/**
 * Lists the PC/SC readers and whether each holds a card. Waits `settleMs` for pcscd to report them (the reader
 * list arrives asynchronously, and an empty list produces no event at all).
 */
export async function listPcscReaders(
  options: Pick<PcscOptions, 'loadBinding'> & { settleMs?: number } = {},
): Promise<PcscReaderInfo[]> {
  const session = openSession(options);
  try {
    const settleMs = options.settleMs ?? 300;
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    // Each reader reports its first status right after it is listed; wait for those that have not yet.
    await session
      .waitFor(
        () => ([...session.readers.values()].every((r) => r.status) ? true : undefined),
        2_000,
        () => new Error('reader status timed out'),
      )
      .catch(() => undefined);
    if (session.failure) {
      throw new CardError(
        CardErrorCode.Transport,
        `PC/SC: cannot list readers: ${session.failure.message}`,
        undefined,
        session.failure,
      );
    }
    return [...session.readers.values()].map(({ reader, status }) => ({
      name: reader.name,
      hasCard: status !== undefined && hasCard(reader, status.state),
      ...(status?.atr && status.atr.length > 0 ? { atr: new Uint8Array(status.atr) } : {}),
    }));
  } finally {
    session.close();
  }
}

/**
 * CardTransport over PC/SC (pcsc-lite through @pokusew/pcsclite), for real readers and for vsmartcard's vpcd.
 * It never retries and never resends: after a transport failure (card removed, time-out) every later transmit is
 * refused, so a VERIFY cannot be repeated behind the caller's back (JPKI.md §2, §6.4).
 */
export class PcscTransport implements CardTransport {
  readonly supportsExtendedLength: boolean;
  private readonly transmitTimeoutMs: number;
  private isClosed = false;
  private broken: CardError | undefined;
  /** Why the card can no longer be reached, once pcscd has told us. */
  private lost: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nativeCall: Promise<void> | undefined;

  private constructor(
    private readonly session: PcscSession,
    private readonly reader: PcscReader,
    readonly protocol: number,
    readonly atr: Uint8Array,
    options: PcscOptions,
  ) {
    this.supportsExtendedLength = options.supportsExtendedLength ?? false;
    this.transmitTimeoutMs = options.transmitTimeoutMs ?? PCSC_DEFAULT_TRANSMIT_TIMEOUT_MS;
    session.onChange(() => {
      const entry = session.readers.get(reader.name);
      if (!entry) {
        this.lost ??= 'reader disconnected from';
      } else if (entry.failure) {
        this.lost ??= `reader failed (${entry.failure.message}) in`;
      } else if (entry.status && !hasCard(reader, entry.status.state)) {
        this.lost ??= 'card removed from';
      }
    });
  }

  get readerName(): string {
    return this.reader.name;
  }

  /** Waits for a card in a matching reader, then connects to it with T=1 (JPKI.md §1.4). */
  static async connect(options: PcscOptions = {}): Promise<PcscTransport> {
    const session = openSession(options);
    const timeoutMs = options.cardTimeoutMs ?? PCSC_DEFAULT_CARD_TIMEOUT_MS;
    try {
      const { reader, status } = await session.waitFor(
        () =>
          [...session.readers.values()].find(
            (r) =>
              matchesReader(r.reader.name, options.reader) &&
              r.status !== undefined &&
              hasCard(r.reader, r.status.state),
          ),
        timeoutMs,
        () => {
          const names = [...session.readers.keys()];
          const which =
            options.reader === undefined ? 'any reader' : `reader ${String(options.reader)}`;
          return new CardError(
            CardErrorCode.Transport,
            names.length === 0
              ? `PC/SC: no reader found within ${timeoutMs} ms`
              : `PC/SC: no card in ${which} within ${timeoutMs} ms (readers: ${names.join(', ')})`,
          );
        },
      );
      const protocol = await new Promise<number>((resolve, reject) => {
        reader.connect(
          {
            share_mode:
              options.shareMode === 'shared'
                ? reader.SCARD_SHARE_SHARED
                : reader.SCARD_SHARE_EXCLUSIVE,
            protocol: reader.SCARD_PROTOCOL_T1,
          },
          (error, negotiated) => (error ? reject(error) : resolve(negotiated)),
        );
      }).catch((error: unknown) => {
        throw new CardError(
          CardErrorCode.Transport,
          `PC/SC: cannot connect to the card in "${reader.name}": ${meaningOf(error)}`,
          undefined,
          error,
        );
      });
      return new PcscTransport(
        session,
        reader,
        protocol,
        new Uint8Array(status?.atr ?? []),
        options,
      );
    } catch (error) {
      session.close();
      throw error instanceof CardError
        ? error
        : new CardError(
            CardErrorCode.Transport,
            `PC/SC: ${error instanceof Error ? error.message : String(error)}`,
            undefined,
            error,
          );
    }
  }

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const result = this.queue.then(() => this.transmitNow(apdu));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async transmitNow(apdu: Uint8Array): Promise<Uint8Array> {
    const command = apdu.length >= 2 ? `INS ${hex(apdu[1])}` : 'a malformed command';
    if (this.isClosed) {
      throw new CardError(CardErrorCode.Transport, 'PC/SC: transport is closed', { command });
    }
    if (this.broken) {
      throw new CardError(
        CardErrorCode.Transport,
        `PC/SC: not sent after an earlier failure (${this.broken.message}); connect again`,
        { command },
      );
    }
    const outcome = await this.sendOnce(apdu);
    if (outcome.response && outcome.response.length >= 2) {
      return outcome.response;
    }
    // From here on nothing more is sent on this connection: no retry, no resend (JPKI.md §2).
    this.broken = new CardError(CardErrorCode.Transport, 'PC/SC: transport failed', { command });
    // vpcd answers an APDU interrupted by removal with an empty response, and pcscd reports the removal only at
    // its next presence poll (~400 ms, CARD-MIDDLEWARE.md §2.1): wait for it so the message says what happened.
    const lost = await this.session
      .waitFor(
        () => this.lost,
        REMOVAL_CONFIRM_MS,
        () => new Error('still present'),
      )
      .catch(() => undefined);
    const where = `"${this.reader.name}" during ${command}`;
    let message: string;
    if (lost) {
      message = `PC/SC: ${lost} ${where}; the command may or may not have been executed`;
    } else if (outcome.error) {
      message = `PC/SC: ${meaningOf(outcome.error)} in ${where} (${outcome.error.message})`;
    } else if (outcome.response) {
      message = `PC/SC: ${outcome.response.length}-byte response without a status word in ${where}`;
    } else {
      message = `PC/SC: no answer within ${this.transmitTimeoutMs} ms in ${where}`;
    }
    this.broken = new CardError(CardErrorCode.Transport, message, { command }, outcome.error);
    throw this.broken;
  }

  /** One SCardTransmit, bounded by the transmit time-out; `{}` means it timed out. */
  private sendOnce(apdu: Uint8Array): Promise<{ response?: Uint8Array; error?: Error }> {
    let nativeDone: () => void = () => undefined;
    this.nativeCall = new Promise<void>((resolve) => (nativeDone = resolve));
    return new Promise((resolve) => {
      let isSettled = false;
      const timer = setTimeout(() => {
        isSettled = true;
        resolve({});
      }, this.transmitTimeoutMs);
      const maxResponse = this.supportsExtendedLength ? 65536 + 2 : 256 + 2;
      this.reader.transmit(Buffer.from(apdu), maxResponse, this.protocol, (error, response) => {
        this.nativeCall = undefined;
        nativeDone();
        if (isSettled) {
          return;
        }
        isSettled = true;
        clearTimeout(timer);
        resolve(error ? { error } : { response: new Uint8Array(response) });
      });
    });
  }

  /**
   * Resets the card (so no verified PIN outlives this session) and releases the reader and the context. Safe to
   * call more than once; always call it, or Node will not exit.
   */
  async close(): Promise<void> {
    if (this.isClosed) {
      return;
    }
    this.isClosed = true;
    await this.queue;
    const pending = this.nativeCall;
    if (pending) {
      // A timed-out SCardTransmit still holds the reader's native lock, and the binding's reader.close() takes
      // that lock on the main thread: release once the call returns (removal or an answer) instead of blocking.
      void pending.then(() => this.release());
      return;
    }
    await this.release();
  }

  private async release(): Promise<void> {
    try {
      // A removed card makes SCardDisconnect fail at once; the guard only bounds a wedged reader.
      await new Promise<void>((resolve) => {
        const guard = setTimeout(resolve, 2_000);
        this.reader.disconnect(this.reader.SCARD_RESET_CARD, () => {
          clearTimeout(guard);
          resolve();
        });
      });
    } finally {
      this.session.close();
    }
  }
}
