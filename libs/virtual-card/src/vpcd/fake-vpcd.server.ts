import * as net from 'node:net';
import { VpcdFrameDecoder, encodeVpcdFrame } from './vpcd-frame.decoder';

// Test helper (not exported by the library).
/** The pcscd side of CARD-MIDDLEWARE.md §2: a real TCP server on loopback that speaks first, like vpcd. */
export class FakeVpcd {
  private readonly server = net.createServer();
  private readonly waiting: ((socket: net.Socket) => void)[] = [];
  private readonly accepted: net.Socket[] = [];
  private readonly frames = new Map<net.Socket, Uint8Array[]>();
  private readonly readers = new Map<net.Socket, ((frame: Uint8Array) => void)[]>();
  connections = 0;

  constructor() {
    this.server.on('connection', (socket) => {
      this.connections += 1;
      socket.setNoDelay(true);
      const decoder = new VpcdFrameDecoder();
      this.frames.set(socket, []);
      this.readers.set(socket, []);
      socket.on('data', (chunk) => {
        for (const frame of decoder.push(chunk)) {
          const reader = this.readers.get(socket)?.shift();
          if (reader) {
            reader(frame);
          } else {
            this.frames.get(socket)?.push(frame);
          }
        }
      });
      const waiter = this.waiting.shift();
      if (waiter) {
        waiter(socket);
      } else {
        this.accepted.push(socket);
      }
    });
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  nextConnection(): Promise<net.Socket> {
    const socket = this.accepted.shift();
    return socket ? Promise.resolve(socket) : new Promise((resolve) => this.waiting.push(resolve));
  }

  nextFrame(socket: net.Socket): Promise<Uint8Array> {
    const frame = this.frames.get(socket)?.shift();
    return frame
      ? Promise.resolve(frame)
      : new Promise((resolve) => this.readers.get(socket)?.push(resolve));
  }

  /** Sends a frame the way Debian's vpcd 3.3 does: the length and the body in two writes (§2.3). */
  async send(socket: net.Socket, body: Uint8Array, mode: 'split' | 'whole' | 'bytewise' = 'split') {
    const frame = encodeVpcdFrame(body);
    const parts =
      mode === 'whole'
        ? [frame]
        : mode === 'split'
          ? [frame.subarray(0, 2), frame.subarray(2)]
          : [...frame].map((b) => Buffer.of(b));
    for (const part of parts) {
      socket.write(part);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  async request(socket: net.Socket, body: Uint8Array, mode?: 'split' | 'whole' | 'bytewise') {
    await this.send(socket, body, mode);
    return Buffer.from(await this.nextFrame(socket)).toString('hex');
  }

  async close(): Promise<void> {
    for (const socket of this.frames.keys()) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
