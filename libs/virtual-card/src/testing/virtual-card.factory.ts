import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BasicFour } from '@madoguchi/jpki';
import { IssuedCard, SimulatedJlis } from '../jlis';
import { CreateVirtualCardOptions, VirtualMyNumberCard } from '../virtual-my-number-card';

/** Fictional holder for tests (never a real person). */
export const TEST_BASIC_FOUR: BasicFour = {
  name: '窓口　花子',
  address: '東京都千代田区霞が関２丁目１番２号',
  birthdate: '19900102',
  sex: '2',
};

export const TEST_SECRETS = { signPassword: 'MADO2026', authPin: '1234', textPin: '5678' } as const;

/** Valid check digit (see my-number.util.spec.ts). */
export const TEST_MY_NUMBER = '123456789018';

const temporaryDirs: string[] = [];
process.on('exit', () => {
  for (const dir of temporaryDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A temporary directory removed when the process exits. */
export function temporaryDir(prefix = 'virtual-card-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

let jlis: Promise<SimulatedJlis> | undefined;

/** One simulated J-LIS per test process (its CA keys take a moment to generate). */
export function testJlis(): Promise<SimulatedJlis> {
  jlis ??= SimulatedJlis.open(temporaryDir('jlis-'), { baseUrl: 'http://127.0.0.1:3002' });
  return jlis;
}

/** A virtual card with both key pairs and certificates issued by the simulated J-LIS. */
export async function createIssuedTestCard(
  overrides: Partial<CreateVirtualCardOptions> = {},
): Promise<{ card: VirtualMyNumberCard; issued: IssuedCard }> {
  const options: CreateVirtualCardOptions = {
    basicFour: TEST_BASIC_FOUR,
    ...TEST_SECRETS,
    myNumber: TEST_MY_NUMBER,
    ...overrides,
  };
  const card = await VirtualMyNumberCard.create(options);
  const keys = card.publicKeys();
  const sex = options.basicFour.sex === '0' ? '9' : options.basicFour.sex;
  const issued = await (
    await testJlis()
  ).issueCard({
    ...options.basicFour,
    sex,
    signPublicKey: keys.sign,
    authPublicKey: keys.auth,
  });
  card.installCertificates(issued);
  return { card, issued };
}
