import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualMyNumberCard } from '../virtual-my-number-card';
import { FakeVpcd } from './fake-vpcd.server';
import { parseServeArgs, serveVirtualCard } from './vpcd-serve.command';
import { VpcdClient, VpcdControl } from './vpcd.client';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

describe('parseServeArgs', () => {
  it('defaults to vpcd slot 0 on 127.0.0.1:35963', () => {
    expect(parseServeArgs(['card.json'])).toEqual({
      file: 'card.json',
      host: '127.0.0.1',
      port: 35963,
      isVerbose: false,
    });
  });

  it('takes --host, --port and --verbose', () => {
    expect(
      parseServeArgs(['--host', '127.0.0.2', 'c.json', '--port', '35964', '--verbose']),
    ).toEqual({ file: 'c.json', host: '127.0.0.2', port: 35964, isVerbose: true });
  });

  it.each([[[]], [['a', 'b']], [['a', '--port', '70000']], [['a', '--port', 'x']]])(
    'rejects %j',
    (args) => {
      expect(() => parseServeArgs(args)).toThrow();
    },
  );
});

describe('serveVirtualCard', () => {
  let dir: string;
  let file: string;
  let vpcd: FakeVpcd;
  let sut: VpcdClient | undefined;

  beforeAll(async () => {
    const card = await VirtualMyNumberCard.create({
      basicFour: { name: '窓口　太郎', address: '東京都千代田区', birthdate: '19800101', sex: '1' },
      signPassword: 'SERVE2026',
      authPin: '1234',
      textPin: '5678',
    });
    dir = mkdtempSync(join(tmpdir(), 'vpcd-serve-'));
    file = join(dir, 'card.json');
    card.saveTo(file);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    vpcd = new FakeVpcd();
  });

  afterEach(async () => {
    await sut?.stop();
    await vpcd.close();
  });

  it('answers vpcd with the real card and writes the spent try to the state file', async () => {
    const port = await vpcd.listen();
    const lines: string[] = [];
    sut = serveVirtualCard({ file, host: '127.0.0.1', port, isVerbose: true }, (l) =>
      lines.push(l),
    );
    const socket = await vpcd.nextConnection();
    await expect(vpcd.request(socket, Uint8Array.of(VpcdControl.GetAtr))).resolves.toBe(
      '3be000ff8131fe4514',
    );
    await vpcd.send(socket, Uint8Array.of(VpcdControl.PowerOn));
    // JPKI.md §1.2: SELECT AP, SELECT EF 001B, empty VERIFY (tries), wrong VERIFY.
    await expect(vpcd.request(socket, hex('00A4040C0AD392F000260100000001'))).resolves.toBe('9000');
    await expect(vpcd.request(socket, hex('00A4020C02001B'))).resolves.toBe('9000');
    await expect(vpcd.request(socket, hex('00200080'))).resolves.toBe('63c5');
    await expect(vpcd.request(socket, hex('0020008006 575255354e47'))).resolves.toBe('63c4');
    // CARD-MIDDLEWARE.md §3.2: an AID the card does not host gets 6A82.
    await expect(vpcd.request(socket, hex('00A4040006A00000000101'))).resolves.toBe('6a82');
    const reopened = VirtualMyNumberCard.open(file);
    expect(reopened.describe().triesLeft.sign).toBe(4);
    expect(lines).toContain(`vpcd 127.0.0.1:${port}: card inserted`);
    expect(lines).toContain('power: PowerOn');
    expect(lines).toContain('INS 20 -> 63c4');
    expect(lines.join('\n')).not.toContain('575255354e47');
  });

  it('resets the verified state on a vpcd reset', async () => {
    const port = await vpcd.listen();
    sut = serveVirtualCard({ file, host: '127.0.0.1', port, isVerbose: false }, () => undefined);
    const socket = await vpcd.nextConnection();
    await vpcd.send(socket, Uint8Array.of(VpcdControl.PowerOn));
    await vpcd.request(socket, hex('00A4040C0AD392F000260100000001'));
    await vpcd.request(socket, hex('00A4020C02001B'));
    await expect(vpcd.request(socket, hex('0020008009 534552564532303236'))).resolves.toBe('9000');
    await vpcd.request(socket, hex('00A4020C020001'));
    // Verified: the (empty, filler-only) signing-certificate EF reads.
    await expect(vpcd.request(socket, hex('00B0000004'))).resolves.toBe('ffffffff9000');
    await vpcd.send(socket, Uint8Array.of(VpcdControl.Reset));
    await vpcd.request(socket, hex('00A4040C0AD392F000260100000001'));
    await vpcd.request(socket, hex('00A4020C020001'));
    await expect(vpcd.request(socket, hex('00B0000004'))).resolves.toBe('6982');
  });
});
