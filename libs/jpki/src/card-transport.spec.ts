import { CommandApdu, fromHex, toHex } from './apdu';
import { CardError, CardErrorCode } from './card.error';
import { CardTransport, exchange } from './card-transport';

/** A transport that answers from a script and records what it was sent. */
class ScriptedTransport implements CardTransport {
  readonly sent: string[] = [];
  constructor(private readonly answer: (command: string, index: number) => string | Error) {}

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const command = toHex(apdu);
    this.sent.push(command);
    const reply = this.answer(command, this.sent.length - 1);
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(fromHex(reply));
  }
}

describe('exchange', () => {
  it('collects 61xx data with GET RESPONSE', async () => {
    const transport = new ScriptedTransport((command) => {
      switch (command) {
        case '80CA000000':
          return 'AABB6102';
        case '00C0000002':
          return 'CCDD6101';
        case '00C0000001':
          return 'EE9000';
        default:
          return '6D00';
      }
    });
    const sut = await exchange(transport, CommandApdu.of(0x80, 0xca, 0, 0, undefined, 256));
    expect(toHex(sut.data)).toBe('AABBCCDDEE');
    expect(sut.sw).toBe(0x9000);
    expect(transport.sent).toEqual(['80CA000000', '00C0000002', '00C0000001']);
  });

  it('resends with the Le a 6Cxx names', async () => {
    const transport = new ScriptedTransport((command) =>
      command === '00B0000003' ? '0102039000' : '6C03',
    );
    const sut = await exchange(transport, CommandApdu.of(0x00, 0xb0, 0, 0, undefined, 256));
    expect(toHex(sut.data)).toBe('010203');
    expect(transport.sent).toEqual(['00B0000000', '00B0000003']);
  });

  it('never resends a VERIFY, whatever the card answers', async () => {
    const transport = new ScriptedTransport(() => '6C04');
    const sut = await exchange(transport, CommandApdu.of(0x00, 0x20, 0, 0x80, fromHex('31323334')));
    expect(sut.sw).toBe(0x6c04);
    expect(transport.sent).toHaveLength(1);
  });

  it('wraps a failing link in CardError TRANSPORT and does not retry', async () => {
    const transport = new ScriptedTransport(() => new Error('card removed'));
    const promise = exchange(transport, CommandApdu.of(0x00, 0x20, 0, 0x80, fromHex('31323334')));
    await expect(promise).rejects.toBeInstanceOf(CardError);
    await expect(promise).rejects.toMatchObject({ code: CardErrorCode.Transport });
    expect(transport.sent).toHaveLength(1);
  });

  it('uses extended length only when the transport supports it', async () => {
    const transport = new ScriptedTransport(() => '9000');
    const long = CommandApdu.of(0x00, 0xb0, 0, 0, undefined, 1000);
    await expect(exchange(transport, long)).rejects.toMatchObject({
      code: CardErrorCode.InvalidArgument,
    });
    const extended = Object.assign(transport, { supportsExtendedLength: true });
    await expect(exchange(extended, long)).resolves.toMatchObject({ sw: 0x9000 });
    expect(transport.sent).toEqual(['00B000000003E8']);
  });
});
