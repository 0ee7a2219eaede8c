import { FakeVpcd } from './fake-vpcd.server';
import { encodeVpcdFrame } from './vpcd-frame.decoder';
import { VpcdApduEvent, VpcdCard, VpcdClient, VpcdControl } from './vpcd.client';

const ATR = Uint8Array.of(0x3b, 0xe0, 0x00, 0xff, 0x81, 0x31, 0xfe, 0x45, 0x14);

/** A card that answers 9000 with the APDU's INS echoed, and records what the reader did to it. */
class RecordingCard implements VpcdCard {
  readonly atr = ATR;
  readonly log: string[] = [];
  powerOn(): void {
    this.log.push('on');
  }
  reset(): void {
    this.log.push('reset');
  }
  powerOff(): void {
    this.log.push('off');
  }
  transmit(apdu: Uint8Array): Uint8Array | Promise<Uint8Array> {
    this.log.push(Buffer.from(apdu).toString('hex'));
    if (apdu[1] === 0xee) {
      throw new Error('card object failed');
    }
    return Uint8Array.of(apdu[1], 0x90, 0x00);
  }
}

const hex = (s: string) => Buffer.from(s, 'hex');

describe('VpcdClient', () => {
  let vpcd: FakeVpcd;
  let card: RecordingCard;
  let sut: VpcdClient;

  beforeEach(async () => {
    vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    card = new RecordingCard();
    sut = new VpcdClient(card, { host: '127.0.0.1', port, reconnectDelayMs: 20 });
  });

  afterEach(async () => {
    await sut.stop();
    await vpcd.close();
  });

  it('answers get-ATR at any time, before power on and after power off', async () => {
    sut.start();
    const socket = await vpcd.nextConnection();
    await expect(vpcd.request(socket, Uint8Array.of(VpcdControl.GetAtr))).resolves.toBe(
      '3be000ff8131fe4514',
    );
    await vpcd.send(socket, Uint8Array.of(VpcdControl.PowerOn));
    await vpcd.send(socket, Uint8Array.of(VpcdControl.PowerOff));
    await expect(vpcd.request(socket, Uint8Array.of(VpcdControl.GetAtr))).resolves.toBe(
      '3be000ff8131fe4514',
    );
    expect(card.log).toEqual(['on', 'off']);
  });

  it('sends nothing back for power on, reset and power off, and passes them to the card', async () => {
    const controls: VpcdControl[] = [];
    sut.on('control', (c) => controls.push(c));
    sut.start();
    const socket = await vpcd.nextConnection();
    await vpcd.send(socket, Uint8Array.of(VpcdControl.PowerOn));
    await vpcd.send(socket, Uint8Array.of(VpcdControl.Reset));
    await vpcd.send(socket, Uint8Array.of(VpcdControl.PowerOff));
    await vpcd.send(socket, Uint8Array.of(0x7f)); // unknown control: ignored, no answer
    // The next frame the server reads is the answer to this APDU: nothing was sent for the controls.
    await expect(vpcd.request(socket, hex('00a4040c'))).resolves.toBe('a49000');
    expect(card.log).toEqual(['on', 'reset', 'off', '00a4040c']);
    expect(controls).toEqual([VpcdControl.PowerOn, VpcdControl.Reset, VpcdControl.PowerOff]);
  });

  it.each(['split', 'whole', 'bytewise'] as const)(
    'reassembles a command APDU sent %s and answers data and status word',
    async (mode) => {
      sut.start();
      const socket = await vpcd.nextConnection();
      await expect(vpcd.request(socket, hex('00a4040c0ad392f000260100000001'), mode)).resolves.toBe(
        'a49000',
      );
      expect(card.log).toEqual(['00a4040c0ad392f000260100000001']);
    },
  );

  it('answers several frames that arrive in one read, in order', async () => {
    sut.start();
    const socket = await vpcd.nextConnection();
    socket.write(
      Buffer.concat([
        encodeVpcdFrame(Uint8Array.of(VpcdControl.PowerOn)),
        encodeVpcdFrame(hex('00b00000')),
        encodeVpcdFrame(Uint8Array.of(VpcdControl.GetAtr)),
        encodeVpcdFrame(hex('00200080')),
      ]),
    );
    const answers = [];
    for (let i = 0; i < 3; i += 1) {
      answers.push(Buffer.from(await vpcd.nextFrame(socket)).toString('hex'));
    }
    expect(answers).toEqual(['b09000', '3be000ff8131fe4514', '209000']);
  });

  it('answers 6F00 when the card object throws, and stays inserted', async () => {
    const errors: Error[] = [];
    sut.on('cardError', (e) => errors.push(e));
    sut.start();
    const socket = await vpcd.nextConnection();
    await expect(vpcd.request(socket, hex('00ee0000'))).resolves.toBe('6f00');
    await expect(vpcd.request(socket, hex('00b00000'))).resolves.toBe('b09000');
    expect(errors.map((e) => e.message)).toEqual(['card object failed']);
  });

  it('reports each APDU by INS, length and status word, never its data', async () => {
    const events: VpcdApduEvent[] = [];
    sut.on('apdu', (e) => events.push(e));
    sut.start();
    const socket = await vpcd.nextConnection();
    await vpcd.request(socket, hex('002000800431323334'));
    expect(events).toEqual([{ ins: 0x20, length: 9, sw: 0x9000 }]);
  });

  it('reconnects after vpcd drops the connection (card re-inserted)', async () => {
    const reasons: string[] = [];
    sut.on('disconnected', (r) => reasons.push(r));
    sut.start();
    const first = await vpcd.nextConnection();
    first.destroy();
    const second = await vpcd.nextConnection();
    await expect(vpcd.request(second, Uint8Array.of(VpcdControl.GetAtr))).resolves.toBe(
      '3be000ff8131fe4514',
    );
    expect(vpcd.connections).toBe(2);
    expect(reasons).toHaveLength(1);
    expect(sut.connected).toBe(true);
  });

  it('keeps trying while nobody listens, and connects once vpcd is up', async () => {
    const down = new FakeVpcd();
    const freePort = await down.listen();
    await down.close(); // the port is now refused, like vpcd before pcscd starts
    const sutLate = new VpcdClient(card, { port: freePort, reconnectDelayMs: 20 });
    sutLate.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sutLate.connected).toBe(false);
    const up = new FakeVpcd();
    await up.listen(freePort);
    try {
      await sutLate.waitUntilConnected(2000);
      const socket = await up.nextConnection();
      await expect(up.request(socket, Uint8Array.of(VpcdControl.GetAtr))).resolves.toBe(
        '3be000ff8131fe4514',
      );
    } finally {
      await sutLate.stop();
      await up.close();
    }
  });

  it('stop() removes the card: the socket closes and no reconnection follows', async () => {
    sut.start();
    const socket = await vpcd.nextConnection();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await sut.stop();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(vpcd.connections).toBe(1);
    expect(sut.connected).toBe(false);
  });

  it('stop() while the card is computing closes the socket without an answer', async () => {
    let release: (r: Uint8Array) => void = () => undefined;
    const slowCard: VpcdCard = {
      atr: ATR,
      powerOn: () => undefined,
      reset: () => undefined,
      transmit: () => new Promise<Uint8Array>((resolve) => (release = resolve)),
    };
    const slow = new FakeVpcd();
    const port = await slow.listen();
    const client = new VpcdClient(slowCard, { port, reconnectDelayMs: 20 });
    client.start();
    const socket = await slow.nextConnection();
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    await slow.send(socket, hex('802a00800100'));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await client.stop();
    release(Uint8Array.of(0x90, 0x00));
    await closed;
    expect(received).toEqual([]);
    await slow.close();
  });
});
