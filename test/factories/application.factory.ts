import { ResidentAgent } from '../support/portal-client';

export const TEST_PERMIT_PATH = '/m/990019/forms/test-permit';

/** PNG magic bytes followed by filler: what the sniffing accepts as image/png. */
export function pngBytes(size = 64, fill = 1): Buffer {
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
    Buffer.alloc(size, fill),
  ]);
}

export interface SubmittedApplication {
  receiptNumber: string;
  statusPath: string;
  familyName: string;
}

/**
 * A resident fills and submits the fixture form test-permit (test/fixtures/forms) over real HTTP, with one
 * attachment. Returns the receipt number and the resident's status link.
 */
export async function submitTestPermit(
  baseUrl: string,
  overrides: { familyName?: string; attachment?: Buffer } = {},
): Promise<SubmittedApplication> {
  const r = new ResidentAgent(baseUrl);
  const familyName = overrides.familyName ?? '山田';
  let res = await r.submit(TEST_PERMIT_PATH, `${TEST_PERMIT_PATH}/start`, {});
  expectStatus(res.status, 303, 'start');
  res = await r.submit(`${TEST_PERMIT_PATH}/steps/1`, `${TEST_PERMIT_PATH}/steps/1`, {
    'name.family': familyName,
    'name.given': '花子',
    'name.familyKana': 'ヤマダ',
    'name.givenKana': 'ハナコ',
    'address.postalCode': '1000001',
    'address.text': 'まどぐち市本町1-2-3',
    tel: '03-1234-5678',
    has_partner: 'no',
  });
  expectStatus(res.status, 303, 'step 1');
  const step2 = await r.page(`${TEST_PERMIT_PATH}/steps/2`);
  res = await r.agent
    .post(`${TEST_PERMIT_PATH}/steps/2`)
    .field('_csrf', step2.csrf)
    .field('count', '1')
    .attach('document', overrides.attachment ?? pngBytes(), 'map.png');
  expectStatus(res.status, 303, 'step 2');
  const confirm = await r.page(`${TEST_PERMIT_PATH}/confirm`);
  res = await r.agent.post(`${TEST_PERMIT_PATH}/submit`).type('form').send({ _csrf: confirm.csrf });
  expectStatus(res.status, 303, 'submit');
  const statusPath = String(res.headers.location).replace('?submitted=1', '');
  const receiptNumber = statusPath.split('/')[2];
  return { receiptNumber, statusPath, familyName };
}

function expectStatus(actual: number, expected: number, what: string): void {
  if (actual !== expected) {
    throw new Error(`${what}: expected HTTP ${expected}, got ${actual}`);
  }
}
