import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { JpkiCard } from '@madoguchi/jpki';
import {
  InProcessTransport,
  SimulatedJlis,
  VirtualMyNumberCard,
  type CreateVirtualCardOptions,
} from '@madoguchi/virtual-card';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** A simulated J-LIS on a loopback port, its trust files written where the portal's config points. */
export async function startJlis(dir: string): Promise<{
  jlis: SimulatedJlis;
  close: () => Promise<void>;
  rootFile: string;
  signCaFile: string;
}> {
  const port = await freePort();
  const jlis = await SimulatedJlis.open(join(dir, 'jlis'), { baseUrl: `http://127.0.0.1:${port}` });
  const server = await jlis.listen(port, '127.0.0.1');
  const anchors = jlis.trustAnchors();
  const rootFile = join(dir, 'root.der');
  const signCaFile = join(dir, 'sign-ca.der');
  writeFileSync(rootFile, anchors.root);
  writeFileSync(signCaFile, anchors.signCa);
  return { jlis, rootFile, signCaFile, close: () => server.close() };
}

export const HOLDER = {
  basicFour: {
    name: '窓口　花子',
    address: '東京都千代田区霞が関２丁目１番２号',
    birthdate: '19900102',
    sex: '2',
  },
  signPassword: 'MADO2026',
  authPin: '1234',
  textPin: '5678',
} as const;

/** A virtual card issued by this J-LIS, behind the real APDU protocol (JpkiCard over an in-process transport). */
export async function issueCard(
  jlis: SimulatedJlis,
  overrides: Partial<CreateVirtualCardOptions> = {},
): Promise<{ card: VirtualMyNumberCard; jpki: JpkiCard; signSerial: string }> {
  const options: CreateVirtualCardOptions = {
    ...HOLDER,
    basicFour: { ...HOLDER.basicFour },
    ...overrides,
  };
  const card = await VirtualMyNumberCard.create(options);
  const keys = card.publicKeys();
  const issued = await jlis.issueCard({
    ...options.basicFour,
    sex: options.basicFour.sex as '1' | '2' | '9',
    signPublicKey: keys.sign,
    authPublicKey: keys.auth,
  });
  card.installCertificates(issued);
  return { card, jpki: new JpkiCard(new InProcessTransport(card)), signSerial: issued.signSerial };
}

/** `openssl cms -verify` of a detached signature: the independent check (SIGNATURES.md). */
export function opensslCmsVerify(
  dir: string,
  cms: Buffer,
  content: Buffer,
  rootFile: string,
): string {
  const sig = join(dir, 'signature.p7s');
  const doc = join(dir, 'document.json');
  const rootPem = join(dir, 'root.pem');
  writeFileSync(sig, cms);
  writeFileSync(doc, content);
  const pem = spawnSync('openssl', ['x509', '-inform', 'DER', '-in', rootFile, '-out', rootPem]);
  if (pem.status !== 0) {
    throw new Error(pem.stderr.toString());
  }
  const run = spawnSync('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    sig,
    '-content',
    doc,
    '-CAfile',
    rootPem,
    '-purpose',
    'any',
    '-out',
    '/dev/null',
  ]);
  return `${run.status} ${run.stderr.toString()}`;
}
