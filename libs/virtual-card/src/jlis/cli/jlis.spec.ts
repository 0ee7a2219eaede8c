import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { rsaSpki, tempDir } from '../jlis.test-helpers';
import { SimulatedJlis, type IssuedCard } from '../simulated-jlis';
import { main } from './jlis';

jest.setTimeout(60_000);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('jlis CLI', () => {
  let dir: string;
  let card: IssuedCard;

  beforeAll(async () => {
    dir = await tempDir();
    const jlis = await SimulatedJlis.open(dir, { baseUrl: 'http://127.0.0.1:3002' });
    card = await jlis.issueCard({
      name: '鈴木　次郎',
      address: '北海道札幌市中央区北１条西２丁目',
      birthdate: '20000229',
      sex: '9',
      signPublicKey: rsaSpki(),
      authPublicKey: rsaSpki(),
    });
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('lists the issued certificates as good', async () => {
    const sut = capture();

    await expect(main(['list', '--dir', dir], sut.io)).resolves.toBe(0);
    expect(sut.out.join('\n')).toMatch(new RegExp(`${card.signSerial}  sign .* good`));
    expect(sut.out.at(-1)).toBe('2 certificates');
  });

  it('revokes by serial, in any case and with colons, and then lists it revoked', async () => {
    const sut = capture();
    const colonSerial = card.signSerial.toLowerCase().match(/../g)!.join(':');

    await expect(
      main(['revoke', '--dir', dir, '--serial', colonSerial, '--reason', 'superseded'], sut.io),
    ).resolves.toBe(0);
    const listed = capture();
    await main(['list', '--dir', dir, '--json'], listed.io);

    expect(sut.out[0]).toMatch(`revoked sign certificate ${card.signSerial} (superseded)`);
    expect(JSON.parse(listed.out[0])).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          serial: card.signSerial,
          revocation: expect.objectContaining({ reason: 'superseded' }),
        }),
      ]),
    );
  });

  it('revokes by certificate file', async () => {
    const file = join(dir, 'auth.der');
    await fs.writeFile(file, card.authCert);
    const sut = capture();

    await expect(
      main(['revoke', '--dir', dir, '--cert', file, '--reason', 'cessationOfOperation'], sut.io),
    ).resolves.toBe(0);
    const again = capture();
    await expect(
      main(['revoke', '--dir', dir, '--cert', file, '--reason', 'keyCompromise'], again.io),
    ).resolves.toBe(1);
    expect(again.err[0]).toMatch(/already revoked|was revoked/);
  });

  it('refuses bad usage with exit code 2 and bad reasons with the list of reasons', async () => {
    const noReason = capture();
    const badReason = capture();
    const both = capture();

    await expect(main(['revoke', '--dir', dir, '--serial', '01'], noReason.io)).resolves.toBe(2);
    await expect(
      main(['revoke', '--dir', dir, '--serial', '01', '--reason', 'moved'], badReason.io),
    ).resolves.toBe(1);
    await expect(
      main(
        ['revoke', '--dir', dir, '--serial', '01', '--cert', 'x', '--reason', 'superseded'],
        both.io,
      ),
    ).resolves.toBe(2);
    await expect(main(['frobnicate'], capture().io)).resolves.toBe(2);
    expect(badReason.err[0]).toContain('superseded');
  });

  it('serves CRL and OCSP until stopped, with the revocations made from the command line', async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const sut = capture();
    const serving = main(['serve', '--dir', dir, '--port', '0'], {
      ...sut.io,
      untilStopped: () => stopped,
    });
    let url: string | undefined;
    for (let i = 0; i < 200 && !url; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      url = /listening on (\S+)/.exec(sut.out.join('\n'))?.[1];
    }

    const crl = await fetch(`${url}/crl/sign.crl`);
    const crlDer = Buffer.from(await crl.arrayBuffer());
    stop();

    await expect(serving).resolves.toBe(0);
    expect(crl.status).toBe(200);
    expect(crlDer.includes(Buffer.from(card.signSerial, 'hex'))).toBe(true);
  });
});
