import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JpkiCard } from '@madoguchi/jpki';
import { InProcessTransport } from '../in-process.transport';
import { parseJpkiSigningCertificate } from '../jlis';
import { temporaryDir } from '../testing/virtual-card.factory';
import { VirtualMyNumberCard } from '../virtual-my-number-card';
import { main, parseBirthdate, registerVirtualCardCommand } from './virtual-card';

jest.setTimeout(60_000);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('virtual-card CLI', () => {
  const dir = temporaryDir('virtual-card-cli-');
  const jlisDir = join(dir, 'jlis');
  const file = join(dir, 'card.json');
  const createArgs = [
    'create',
    '--out',
    file,
    '--name',
    '鈴木　一郎',
    '--address',
    '大阪府大阪市北区中之島１丁目３番２０号',
    '--birthdate',
    '1985-04-01',
    '--sex',
    '1',
    '--sign-password',
    'abcd1234',
    '--pin',
    '2468',
    '--jlis-dir',
    jlisDir,
  ];

  beforeAll(async () => {
    const run = capture();
    await expect(main(createArgs, run.io)).resolves.toBe(0);
    expect(run.out[0]).toContain(file);
  });

  it('creates a card issued by the simulated J-LIS, usable through JpkiCard', async () => {
    const sut = new JpkiCard(new InProcessTransport(VirtualMyNumberCard.open(file)));
    await sut.verifySignPassword('ABCD1234');
    const details = parseJpkiSigningCertificate(await sut.readSigningCertificate());
    expect(details).toMatchObject({ name: '鈴木　一郎', birthdate: '19850401', sex: '1' });
    await sut.verifyAuthPin('2468'); // --auth-pin defaults to --pin
    await sut.verifyTextPin('2468');
    await expect(sut.readBasicFour()).resolves.toMatchObject({
      address: '大阪府大阪市北区中之島１丁目３番２０号',
    });
  });

  it('prints info without secrets or the individual number', async () => {
    const run = capture();
    await expect(main(['info', file], run.io)).resolves.toBe(0);
    const text = run.out.join('\n');
    expect(text).toContain('鈴木　一郎');
    expect(text).toContain('signing password 5/5');
    expect(text).not.toMatch(/ABCD1234|2468|PRIVATE/);
    const state = JSON.parse(readFileSync(file, 'utf8')) as { files: Record<string, string> };
    const myNumber = Buffer.from(state.files['text:0001'], 'base64').subarray(3).toString('ascii');
    expect(myNumber).toMatch(/^\d{12}$/);
    expect(text).not.toContain(myNumber);
    const json = capture();
    await expect(main(['info', file, '--json'], json.io)).resolves.toBe(0);
    expect(JSON.parse(json.out[0])).toMatchObject({ isTestCard: true, triesLeft: { sign: 5 } });
  });

  it('refuses to overwrite a card file', async () => {
    const run = capture();
    await expect(main(createArgs, run.io)).resolves.toBe(2);
    expect(run.err[0]).toContain('exists');
  });

  it.each([
    [['create', '--out', join(dir, 'x.json')], '--name is required'],
    [
      ['create', ...createArgs.slice(1, -2).map((a) => (a === '1985-04-01' ? '1985-02-30' : a))],
      '--birthdate',
    ],
    [['info'], 'one state file'],
    [['frobnicate'], 'unknown command'],
    [[], 'no command'],
    [['create', '--bogus'], "Unknown option '--bogus'"],
  ])('exits 2 with usage for %j', async (argv, message) => {
    const run = capture();
    const args = argv.map((a) => (a === file ? join(dir, 'other.json') : a));
    await expect(main(args, run.io)).resolves.toBe(2);
    expect(run.err[0]).toContain(message);
    expect(run.err.join('\n')).toContain('virtual-card create');
  });

  it('exits 1 with the domain error for a bad password or a bad state file', async () => {
    const run = capture();
    const args = createArgs.map((a) =>
      a === 'abcd1234' ? 'abc' : a === file ? join(dir, 'y.json') : a,
    );
    await expect(main(args, run.io)).resolves.toBe(1);
    expect(run.err[0]).toContain('signing password');
    const bad = capture();
    await expect(main(['info', jlisDir], bad.io)).resolves.toBe(1);
  });

  it('lets another module register a subcommand (the vpcd serve hook)', async () => {
    const seen: string[][] = [];
    registerVirtualCardCommand('echo-test', 'echo-test ARGS', (args) => {
      seen.push(args);
      return Promise.resolve(0);
    });
    await expect(main(['echo-test', 'a', 'b'], capture().io)).resolves.toBe(0);
    expect(seen).toEqual([['a', 'b']]);
  });

  it('parses birthdates of real days only', () => {
    expect(parseBirthdate('2000-02-29')).toBe('20000229');
    expect(parseBirthdate('20000229')).toBe('20000229');
    expect(() => parseBirthdate('2001-02-29')).toThrow('--birthdate');
  });
});
