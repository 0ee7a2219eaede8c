import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { CardErrorCode, JpkiCard, PcscTransport, sha256DigestInfo } from '@madoguchi/jpki';
import { VirtualMyNumberCard, VpcdCard, VpcdClient } from '@madoguchi/virtual-card';
import { cm, storedTriesLeft } from './card-middleware.env';

// Removal and silence on the second vpcd slot: a copy of the served card, connected from this process so the test
// can pull it out at the exact APDU it chooses (CARD-MIDDLEWARE.md §2.1: closing the socket removes the card).

/** The real card, plus a hand that can pull it out of the reader when a given command arrives. */
class HandOnCard implements VpcdCard {
  readonly received: string[] = [];
  /** Chooses a command at which the card is removed instead of answering (after executing it, if 'after'). */
  pullOutOn: ((apdu: Uint8Array) => 'before' | 'after' | undefined) | undefined;
  /** Chooses a command the card never answers, staying in the reader. */
  isSilentOn: ((apdu: Uint8Array) => boolean) | undefined;
  client: VpcdClient | undefined;

  constructor(private readonly card: VirtualMyNumberCard) {}

  get atr(): Uint8Array {
    return this.card.atr;
  }
  powerOn(): void {
    this.card.powerOn();
  }
  reset(): void {
    this.card.reset();
  }
  powerOff(): void {
    this.card.powerOff();
  }

  transmit(apdu: Uint8Array): Uint8Array | Promise<Uint8Array> {
    // INS and length only: the data may be a PIN.
    this.received.push(`${apdu[1].toString(16).padStart(2, '0')}/${apdu.length}`);
    if (this.isSilentOn?.(apdu)) {
      return new Promise<Uint8Array>(() => undefined);
    }
    const when = this.pullOutOn?.(apdu);
    if (when === undefined) {
      return this.card.transmit(apdu);
    }
    if (when === 'after') {
      this.card.transmit(apdu);
    }
    void this.client?.stop();
    return new Promise<Uint8Array>(() => undefined); // never answers: it is gone
  }
}

const isVerifyWithData = (apdu: Uint8Array) => apdu[1] === 0x20 && apdu.length > 4;

describe('card removed or silent in the middle of an operation (PcscTransport)', () => {
  let stateFile: string;
  let hand: HandOnCard;
  let client: VpcdClient;

  beforeEach(async () => {
    stateFile = join(cm.workDir, 'removal-card.json');
    copyFileSync(cm.stateFile, stateFile);
    hand = new HandOnCard(VirtualMyNumberCard.open(stateFile));
    client = new VpcdClient(hand, { host: cm.vpcdHost, port: cm.vpcdPort1 });
    hand.client = client;
    client.start();
    await client.waitUntilConnected();
  });

  afterEach(async () => {
    await client.stop();
    // pcscd notices the removal at its next presence poll (~400 ms); let it settle before the next insertion.
    await new Promise((resolve) => setTimeout(resolve, 600));
  });

  const connect = (options: { transmitTimeoutMs?: number } = {}) =>
    PcscTransport.connect({ reader: cm.reader1, cardTimeoutMs: 10_000, ...options });

  it('waits for the card to be inserted, and gives up with TRANSPORT when none comes', async () => {
    await client.stop();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const started = Date.now();
    await expect(
      PcscTransport.connect({ reader: cm.reader1, cardTimeoutMs: 800 }),
    ).rejects.toMatchObject({
      code: CardErrorCode.Transport,
      message: expect.stringContaining(`no card in reader ${cm.reader1} within 800 ms`),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(790);
    const waiting = connect();
    setTimeout(() => client.start(), 300);
    const transport = await waiting;
    expect(transport.readerName).toBe(cm.reader1);
    await transport.close();
  });

  it('sign: removal during COMPUTE DIGITAL SIGNATURE is a TRANSPORT error saying so, and nothing more is sent', async () => {
    const transport = await connect();
    const card = new JpkiCard(transport);
    try {
      await card.verifySignPassword(cm.signPassword);
      hand.pullOutOn = (apdu) => (apdu[0] === 0x80 && apdu[1] === 0x2a ? 'before' : undefined);
      const failure = card.signWithSigningKey(sha256DigestInfo(Buffer.alloc(32, 7)));
      await expect(failure).rejects.toMatchObject({
        code: CardErrorCode.Transport,
        message: expect.stringContaining(`card removed from "${cm.reader1}" during INS 2A`),
      });
      const seen = hand.received.length;
      await expect(card.signPasswordTriesLeft()).rejects.toMatchObject({
        code: CardErrorCode.Transport,
        message: expect.stringContaining('not sent after an earlier failure'),
      });
      expect(hand.received).toHaveLength(seen);
    } finally {
      await card.close();
    }
  });

  it('VERIFY: removed after the card counted a wrong password, it is never resent', async () => {
    const before = storedTriesLeft(stateFile).sign;
    const transport = await connect();
    const card = new JpkiCard(transport);
    hand.pullOutOn = (apdu) => (isVerifyWithData(apdu) ? 'after' : undefined);
    try {
      await expect(card.verifySignPassword('WRONGPASS1')).rejects.toMatchObject({
        code: CardErrorCode.Transport,
        message: expect.stringContaining('card removed'),
      });
    } finally {
      await card.close();
    }
    // JPKI.md §2: the attempt may have been counted (here it was), so a resend could have spent a second try.
    expect(hand.received.filter((c) => c.startsWith('20/') && c !== '20/4')).toHaveLength(1);
    expect(storedTriesLeft(stateFile).sign).toBe(before - 1);
  });

  it('a card that stops answering is a TRANSPORT time-out, and close() does not hang', async () => {
    const transport = await connect({ transmitTimeoutMs: 1_500 });
    const card = new JpkiCard(transport);
    hand.isSilentOn = (apdu) => apdu[1] === 0xb0; // READ BINARY
    const started = Date.now();
    await expect(card.readAuthCertificate()).rejects.toMatchObject({
      code: CardErrorCode.Transport,
      message: expect.stringContaining('no answer within 1500 ms'),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    const closing = Date.now();
    await card.close();
    expect(Date.now() - closing).toBeLessThan(1_000);
    // afterEach removes the card, which ends the pending SCardTransmit and lets the transport release the reader.
  });
});
