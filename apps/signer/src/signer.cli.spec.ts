import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  createIssuedTestCard,
  TEST_SECRETS,
  temporaryDir,
} from '../../../libs/virtual-card/src/testing/virtual-card.factory';
import { EXIT_CODE } from './signer-messages';
import { parseSignerArgs, runSignerCli, SignerCliIo } from './signer.cli';
import { SignerErrorCode } from './signer.error';
import { CONTRACT_RECEIPT_NUMBER, SignerContractServer } from './testing/signer-contract.server';

jest.setTimeout(30_000);

function cliIo(stdinText?: string): SignerCliIo & { stdout: string[]; stderr: string[] } {
  const stdin = new PassThrough();
  if (stdinText !== undefined) {
    stdin.end(stdinText);
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdin,
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    write: (text) => stderr.push(text),
  };
}

describe('parseSignerArgs', () => {
  it('reads the URL, the card source, --pin-stdin and --lang', () => {
    const sut = parseSignerArgs([
      'https://p.example/s/x',
      '--virtual-card',
      'c.json',
      '--pin-stdin',
      '--lang',
      'en',
    ]);

    expect(sut).toEqual({
      url: 'https://p.example/s/x',
      card: { kind: 'virtual', file: 'c.json' },
      isPinFromStdin: true,
      lang: 'en',
      isInsecureHttpAllowed: false,
    });
    expect(parseSignerArgs(['u', '--reader', 'Sony']).card).toEqual({
      kind: 'pcsc',
      reader: 'Sony',
    });
    expect(parseSignerArgs(['u']).card).toEqual({ kind: 'pcsc', reader: undefined });
  });

  it.each([
    [[]],
    [['a', 'b']],
    [['u', '--reader', 'R', '--virtual-card', 'f']],
    [['u', '--lang', 'fr']],
    [['u', '--pin', '1234']],
  ])('refuses %j', (argv) => {
    expect(() => parseSignerArgs(argv)).toThrow(
      expect.objectContaining({ code: SignerErrorCode.Usage }),
    );
  });
});

describe('runSignerCli', () => {
  let server: SignerContractServer;
  let cardFile: string;

  beforeAll(async () => {
    const { card } = await createIssuedTestCard();
    cardFile = join(temporaryDir('signer-cli-'), 'card.json');
    card.saveTo(cardFile);
  });

  beforeEach(async () => {
    server = await new SignerContractServer({ kind: 'sign' }).start();
  });

  afterEach(() => server.close());

  it('a wrong password exits with its own code and says how many tries are left', async () => {
    const io = cliIo('wrong12\n');

    const sut = await runSignerCli([server.pageUrl, '--virtual-card', cardFile, '--pin-stdin'], io);

    expect(sut).toBe(EXIT_CODE[SignerErrorCode.WrongPin]);
    expect(io.stderr.join('')).toContain('残り4回');
    expect(io.stderr.join('')).not.toMatch(/wrong12/i);
  });

  it('signs with the virtual card file and a password from stdin, exit 0', async () => {
    const io = cliIo(`${TEST_SECRETS.signPassword}\n`);

    const sut = await runSignerCli([server.pageUrl, '--virtual-card', cardFile, '--pin-stdin'], io);

    expect(sut).toBe(EXIT_CODE.ok);
    expect(io.stdout.join('\n')).toContain('残り回数: 4回');
    expect(io.stdout.join('\n')).toContain(CONTRACT_RECEIPT_NUMBER);
    expect([...io.stdout, ...io.stderr].join('')).not.toContain(TEST_SECRETS.signPassword);
  });

  it('a completed session then exits as closed, in English with --lang en', async () => {
    const first = cliIo(`${TEST_SECRETS.signPassword}\n`);
    await expect(
      runSignerCli([server.pageUrl, '--virtual-card', cardFile, '--pin-stdin'], first),
    ).resolves.toBe(EXIT_CODE.ok);
    const io = cliIo(`${TEST_SECRETS.signPassword}\n`);

    const sut = await runSignerCli(
      [server.sessionUrl, '--virtual-card', cardFile, '--pin-stdin', '--lang', 'en'],
      io,
    );

    expect(sut).toBe(EXIT_CODE[SignerErrorCode.SessionClosed]);
    expect(io.stderr[0]).toMatch(/already ended/);
  });

  it('without a terminal and without --pin-stdin, asks nothing and exits', async () => {
    const io = cliIo();

    const sut = await runSignerCli([server.pageUrl, '--virtual-card', cardFile], io);

    expect(sut).toBe(EXIT_CODE[SignerErrorCode.NoTerminal]);
    expect(io.stderr.join('')).toContain('--pin-stdin');
  });

  it('a bad URL exits with the URL code', async () => {
    const io = cliIo();

    const sut = await runSignerCli(
      ['https://example.jp/not-a-session', '--virtual-card', cardFile],
      io,
    );

    expect(sut).toBe(EXIT_CODE[SignerErrorCode.InvalidUrl]);
    expect(io.stderr[0]).toContain('QRコード');
  });

  it('usage errors exit 2', async () => {
    const io = cliIo();

    await expect(runSignerCli([], io)).resolves.toBe(2);
  });
});
