// CARD-MIDDLEWARE.md §2.1: every vpcd message, both ways, is a uint16 big-endian length then that many bytes.
// §2.4: Debian's vpcd sends the header and the body in separate writes, so frames arrive split across reads.

export const VPCD_MAX_FRAME = 0xffff;

/** Reassembles vpcd frames from a TCP byte stream. */
export class VpcdFrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds bytes read from the socket and returns every frame they complete, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.buffered =
      this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    const frames: Uint8Array[] = [];
    while (this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + length) {
        break;
      }
      frames.push(new Uint8Array(this.buffered.subarray(2, 2 + length)));
      this.buffered = this.buffered.subarray(2 + length);
    }
    return frames;
  }

  /** Bytes received that do not yet form a whole frame. */
  get pending(): number {
    return this.buffered.length;
  }

  clear(): void {
    this.buffered = Buffer.alloc(0);
  }
}

/** One frame ready to write: the header and the body in a single buffer (one send, no Nagle split). */
export function encodeVpcdFrame(body: Uint8Array): Buffer {
  if (body.length > VPCD_MAX_FRAME) {
    throw new RangeError(`vpcd frame too long: ${body.length} bytes`);
  }
  const frame = Buffer.alloc(2 + body.length);
  frame.writeUInt16BE(body.length, 0);
  frame.set(body, 2);
  return frame;
}
