import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardError, CardErrorCode } from '../card.error';
import { PcscTransport, listPcscReaders } from './pcsc.transport';

// Stands for a machine where the optional native dependency could not be built (no libpcsclite-dev): npm then
// leaves it out, and requiring it throws. The factory also records whether anything required it at all.
const loads: string[] = [];
// `virtual`: on such a machine the package is not in node_modules at all.
jest.mock(
  '@pokusew/pcsclite',
  () => {
    loads.push('@pokusew/pcsclite');
    throw Object.assign(new Error("Cannot find module '@pokusew/pcsclite'"), {
      code: 'MODULE_NOT_FOUND',
    });
  },
  { virtual: true },
);

describe('loading the PC/SC binding', () => {
  const savedSocket = process.env.PCSCLITE_CSOCK_NAME;
  let socketFile: string;

  beforeEach(() => {
    loads.length = 0;
    socketFile = join(mkdtempSync(join(tmpdir(), 'pcscd-')), 'pcscd.comm');
  });

  afterEach(() => {
    if (savedSocket === undefined) {
      delete process.env.PCSCLITE_CSOCK_NAME;
    } else {
      process.env.PCSCLITE_CSOCK_NAME = savedSocket;
    }
  });

  it('does not happen when the library is imported', () => {
    jest.isolateModules(() => {
      const jpki = jest.requireActual<typeof import('../index')>('../index');
      expect(typeof jpki.PcscTransport.connect).toBe('function');
    });
    expect(loads).toEqual([]);
  });

  it('fails with an install hint when the optional dependency is missing', async () => {
    writeFileSync(socketFile, '');
    process.env.PCSCLITE_CSOCK_NAME = socketFile;
    const failure = PcscTransport.connect({ cardTimeoutMs: 100 });
    await expect(failure).rejects.toBeInstanceOf(CardError);
    await expect(failure).rejects.toMatchObject({
      code: CardErrorCode.Transport,
      message: expect.stringContaining('apt-get install libpcsclite-dev'),
    });
    expect(loads).toEqual(['@pokusew/pcsclite']);
  });

  it('fails fast, without touching the binding, when pcscd is not running', async () => {
    // pcsc-lite's SCardEstablishContext loops while the service is missing; the binding would hang the process.
    process.env.PCSCLITE_CSOCK_NAME = socketFile; // never created
    const started = Date.now();
    await expect(PcscTransport.connect()).rejects.toMatchObject({
      code: CardErrorCode.Transport,
      message: expect.stringContaining(`pcscd is not running (no socket at ${socketFile})`),
    });
    await expect(listPcscReaders()).rejects.toMatchObject({ code: CardErrorCode.Transport });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(loads).toEqual([]);
  });
});
