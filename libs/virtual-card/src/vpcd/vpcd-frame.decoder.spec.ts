import fc from 'fast-check';
import { VpcdFrameDecoder, encodeVpcdFrame } from './vpcd-frame.decoder';

describe('VpcdFrameDecoder', () => {
  it('returns nothing until the header and the whole body have arrived', () => {
    const sut = new VpcdFrameDecoder();
    expect(sut.push(Uint8Array.of(0x00))).toEqual([]);
    expect(sut.push(Uint8Array.of(0x03, 0xaa))).toEqual([]);
    expect(sut.pending).toBe(3);
    expect(sut.push(Uint8Array.of(0xbb, 0xcc))).toEqual([Uint8Array.of(0xaa, 0xbb, 0xcc)]);
    expect(sut.pending).toBe(0);
  });

  it('splits several frames read at once and keeps the start of the next one', () => {
    const sut = new VpcdFrameDecoder();
    const frames = sut.push(Uint8Array.of(0, 1, 0x04, 0, 2, 0x90, 0x00, 0, 5, 0x00));
    expect(frames).toEqual([Uint8Array.of(0x04), Uint8Array.of(0x90, 0x00)]);
    expect(sut.pending).toBe(3);
  });

  it('accepts a zero-length frame', () => {
    const sut = new VpcdFrameDecoder();
    expect(sut.push(Uint8Array.of(0, 0))).toEqual([new Uint8Array(0)]);
  });

  it('reassembles any frames cut at any points', () => {
    const body = fc.uint8Array({ maxLength: 300 });
    fc.assert(
      fc.property(
        fc.array(body, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (bodies, cuts) => {
          const stream = Buffer.concat(bodies.map((b) => encodeVpcdFrame(b)));
          const points = [
            ...new Set(cuts.map((c) => (stream.length === 0 ? 0 : c % stream.length))),
          ].sort((a, b) => a - b);
          const sut = new VpcdFrameDecoder();
          const out: Uint8Array[] = [];
          let start = 0;
          for (const point of [...points, stream.length]) {
            out.push(...sut.push(stream.subarray(start, point)));
            start = point;
          }
          expect(out.map((f) => Buffer.from(f).toString('hex'))).toEqual(
            bodies.map((b) => Buffer.from(b).toString('hex')),
          );
          expect(sut.pending).toBe(0);
        },
      ),
    );
  });
});

describe('encodeVpcdFrame', () => {
  it('prefixes the body with its uint16 big-endian length', () => {
    expect(encodeVpcdFrame(new Uint8Array(0x0102).fill(7)).subarray(0, 3)).toEqual(
      Buffer.from([0x01, 0x02, 0x07]),
    );
    expect(encodeVpcdFrame(Uint8Array.of(0x90, 0x00))).toEqual(Buffer.from([0, 2, 0x90, 0x00]));
  });

  it('refuses a body that does not fit the 16-bit length', () => {
    expect(() => encodeVpcdFrame(new Uint8Array(0x10000))).toThrow(RangeError);
  });
});
