import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { VpcdFrameDecoder, encodeVpcdFrame } from './vpcd-frame.decoder';

// CARD-MIDDLEWARE.md §1: pcscd's vpcd driver listens on 35963 + slot; the card is the TCP client.
export const VPCD_DEFAULT_HOST = '127.0.0.1';
export const VPCD_DEFAULT_PORT = 35963;

/** CARD-MIDDLEWARE.md §2.1: a 1-byte frame is always a control message, never an APDU. */
export enum VpcdControl {
  PowerOff = 0x00,
  PowerOn = 0x01,
  Reset = 0x02,
  GetAtr = 0x04,
}

/** What the vpcd client needs from a card; `VirtualMyNumberCard` has this shape. */
export interface VpcdCard {
  readonly atr: Uint8Array;
  powerOn(): void;
  reset(): void;
  powerOff?(): void;
  transmit(apdu: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export interface VpcdClientOptions {
  host?: string;
  port?: number;
  /** Pause between connection attempts while vpcd is down or after it dropped us. */
  reconnectDelayMs?: number;
}

export interface VpcdApduEvent {
  /** INS of the command; the data field is never reported (it may hold a PIN). */
  ins: number;
  length: number;
  sw: number;
}

export interface VpcdClientEvents {
  connected: [address: string];
  disconnected: [reason: string];
  control: [control: VpcdControl];
  apdu: [event: VpcdApduEvent];
  /** The card object threw; vpcd got 6F00. */
  cardError: [error: Error];
}

// ISO 7816-4: 6F00 "no precise diagnosis" when the card object itself failed. An empty answer would make vpcd
// eject the card (CARD-MIDDLEWARE.md §2.1, `vicc_transmit` ejects on r <= 0).
const SW_NO_PRECISE_DIAGNOSIS = Uint8Array.of(0x6f, 0x00);

/**
 * Offers a card to pcscd through vsmartcard's vpcd driver (CARD-MIDDLEWARE.md §2), reconnecting whenever the
 * socket closes until `stop()`.
 */
export class VpcdClient extends EventEmitter<VpcdClientEvents> {
  readonly host: string;
  readonly port: number;
  private readonly reconnectDelayMs: number;
  private socket: net.Socket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private isStopped = true;
  private isConnected = false;
  // Commands are answered strictly in order, even when the card answers asynchronously.
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly card: VpcdCard,
    options: VpcdClientOptions = {},
  ) {
    super();
    this.host = options.host ?? VPCD_DEFAULT_HOST;
    this.port = options.port ?? VPCD_DEFAULT_PORT;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 250;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  start(): void {
    if (!this.isStopped) {
      return;
    }
    this.isStopped = false;
    this.connect();
  }

  /** Resolves once connected to vpcd (the card is then inserted in the virtual reader). */
  waitUntilConnected(timeoutMs = 10_000): Promise<void> {
    if (this.isConnected) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(new Error(`vpcd at ${this.host}:${this.port} not reachable after ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnected = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', onConnected);
    });
  }

  /** Removes the card from the reader: closes the socket and stops reconnecting. */
  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    if (!socket || socket.destroyed) {
      return;
    }
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  private connect(): void {
    const decoder = new VpcdFrameDecoder();
    const socket = net.createConnection({ host: this.host, port: this.port });
    this.socket = socket;
    let closeReason = 'closed by vpcd';
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.isConnected = true;
      this.emit('connected', `${this.host}:${this.port}`);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        this.queue = this.queue
          .then(() => this.handleFrame(socket, frame))
          .catch((error: unknown) => {
            this.emit('cardError', error instanceof Error ? error : new Error(String(error)));
          });
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      closeReason = error.code ?? error.message;
    });
    socket.on('close', () => {
      const wasConnected = this.isConnected;
      this.isConnected = false;
      this.queue = Promise.resolve();
      if (this.isStopped) {
        closeReason = 'stopped';
      }
      if (wasConnected) {
        this.emit('disconnected', closeReason);
      }
      if (!this.isStopped) {
        this.reconnectTimer = setTimeout(() => this.connect(), this.reconnectDelayMs);
      }
    });
  }

  private async handleFrame(socket: net.Socket, frame: Uint8Array): Promise<void> {
    if (frame.length === 0) {
      return;
    }
    if (frame.length === 1) {
      this.handleControl(socket, frame[0]);
      return;
    }
    let response: Uint8Array;
    try {
      response = await this.card.transmit(frame);
      if (response.length < 2) {
        throw new Error(`card answered ${response.length} bytes, no status word`);
      }
    } catch (error) {
      this.emit('cardError', error instanceof Error ? error : new Error(String(error)));
      response = SW_NO_PRECISE_DIAGNOSIS;
    }
    // The card may have been removed (stop()) while it was computing: then nobody is waiting for the answer.
    if (socket !== this.socket || socket.destroyed) {
      return;
    }
    socket.write(encodeVpcdFrame(response));
    this.emit('apdu', {
      ins: frame[1],
      length: frame.length,
      sw: (response[response.length - 2] << 8) | response[response.length - 1],
    });
  }

  private handleControl(socket: net.Socket, control: number): void {
    switch (control as VpcdControl) {
      case VpcdControl.PowerOff:
        this.card.powerOff?.();
        break;
      // CARD-MIDDLEWARE.md §2.4: power on and reset clear the volatile state (selected DF, verified PINs).
      case VpcdControl.PowerOn:
        this.card.powerOn();
        break;
      case VpcdControl.Reset:
        this.card.reset();
        break;
      // §2.1: pcscd polls presence with get-ATR about every 400 ms, powered or not; always answer it.
      case VpcdControl.GetAtr:
        socket.write(encodeVpcdFrame(this.card.atr));
        return;
      default:
        return;
    }
    this.emit('control', control);
  }
}
