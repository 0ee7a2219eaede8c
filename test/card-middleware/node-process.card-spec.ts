import { join } from 'node:path';
import { cm, run, storedTriesLeft } from './card-middleware.env';

// The built library in a plain Node process, as an application would use it (`npm run build` first).
const jpkiIndex = join(__dirname, '../../dist/libs/jpki/src/index.js');

describe('libs/jpki in a plain Node process', () => {
  it('does not load the optional PC/SC binding when the library is imported', async () => {
    const script = `require(${JSON.stringify(jpkiIndex)});
      const loaded = Object.keys(require.cache).filter((k) => k.includes('pcsclite'));
      console.log(JSON.stringify(loaded));`;
    const result = await run(process.execPath, ['-e', script]);
    expect(result).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('exits by itself after PcscTransport.close(), with no handle left open', async () => {
    const script = `const { PcscTransport, JpkiCard } = require(${JSON.stringify(jpkiIndex)});
      (async () => {
        const card = new JpkiCard(await PcscTransport.connect({ reader: ${JSON.stringify(cm.reader0)}, cardTimeoutMs: 10000 }));
        console.log('tries', await card.authPinTriesLeft());
        await card.close();
      })().catch((e) => { console.error(e); process.exitCode = 1; });`;
    const started = Date.now();
    // run() kills the process after 15 s: an open handle would show as a time-out, not as exit code 0.
    const result = await run(process.execPath, ['-e', script], 15_000);
    expect(result).toMatchObject({ code: 0, stdout: `tries ${storedTriesLeft().auth}\n` });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
