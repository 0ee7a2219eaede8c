import { PassThrough } from 'node:stream';
import { RawInput, readSecretFromTty, readSecretLine } from './secret-prompt';
import { SignerErrorCode } from './signer.error';

/** A stream that behaves like a TTY in raw mode: it records every setRawMode call. */
function fakeTty(): RawInput & PassThrough & { rawModes: boolean[] } {
  const stream = new PassThrough() as PassThrough & RawInput & { rawModes: boolean[] };
  stream.isTTY = true;
  stream.rawModes = [];
  stream.setRawMode = (mode: boolean) => {
    stream.rawModes.push(mode);
    return stream;
  };
  return stream;
}

describe('readSecretFromTty', () => {
  it('reads in raw mode, echoes nothing of the secret, and restores the terminal', async () => {
    const tty = fakeTty();
    const written: string[] = [];

    const sut = readSecretFromTty(tty, (text) => written.push(text), 'パスワード: ');
    tty.write('MAD');
    tty.write('O2026\r');

    await expect(sut).resolves.toBe('MADO2026');
    expect(tty.rawModes).toEqual([true, false]);
    expect(written.join('')).toBe('パスワード: \n');
  });

  it('handles backspace and delete', async () => {
    const tty = fakeTty();

    const sut = readSecretFromTty(tty, () => undefined, '? ');
    tty.write(Buffer.from([0x31, 0x32, 0x39, 0x7f, 0x33, 0x38, 0x08, 0x34, 0x0d]));

    await expect(sut).resolves.toBe('1234');
  });

  it('Ctrl-C cancels and restores the terminal', async () => {
    const tty = fakeTty();

    const sut = readSecretFromTty(tty, () => undefined, '? ');
    tty.write(Buffer.from([0x31, 0x03]));

    await expect(sut).rejects.toMatchObject({ code: SignerErrorCode.Cancelled });
    expect(tty.rawModes).toEqual([true, false]);
  });

  it('Ctrl-D on an empty line cancels', async () => {
    const tty = fakeTty();

    const sut = readSecretFromTty(tty, () => undefined, '? ');
    tty.write(Buffer.from([0x04]));

    await expect(sut).rejects.toMatchObject({ code: SignerErrorCode.Cancelled });
  });

  it('refuses a stream that is not a terminal', async () => {
    const pipe = new PassThrough();

    const sut = readSecretFromTty(pipe, () => undefined, '? ');

    await expect(sut).rejects.toMatchObject({ code: SignerErrorCode.NoTerminal });
  });
});

describe('readSecretLine', () => {
  it('takes the first line only', async () => {
    const input = new PassThrough();

    const sut = readSecretLine(input);
    input.write('5678\r\nsecond line\n');

    await expect(sut).resolves.toBe('5678');
  });

  it('takes an unterminated last line at end of input', async () => {
    const input = new PassThrough();

    const sut = readSecretLine(input);
    input.end('MADO2026');

    await expect(sut).resolves.toBe('MADO2026');
  });

  it('an empty input cancels', async () => {
    const input = new PassThrough();

    const sut = readSecretLine(input);
    input.end();

    await expect(sut).rejects.toMatchObject({ code: SignerErrorCode.Cancelled });
  });
});
