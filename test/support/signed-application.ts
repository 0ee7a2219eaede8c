import type { JpkiCard } from '@madoguchi/jpki';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import request from 'supertest';
import { ResidentAgent } from './portal-client';
import { HOLDER, issueCard } from './signing-env';

export const CARDFACE_FORM = '/m/990019/forms/test-cardface';

/** Handlebars escapes `=` and `&` in attributes; a browser reads the same text. */
export const unescapeHtml = (html: string) =>
  html
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&')
    .replace(/&#x27;/g, "'");

/**
 * A resident fills a cardface+sign form (test-cardface) by hand and starts signing; returns the signer API path of
 * the session. `given` lets the entered name differ from the certified one.
 */
export async function fillAndOpenSigning(
  portalUrl: string,
  form: string,
  given = '花子',
): Promise<string> {
  const r = new ResidentAgent(portalUrl);
  await r.submit(form, `${form}/start`, {});
  const step = await r.submit(`${form}/steps/1`, `${form}/steps/1`, {
    'name.family': '窓口',
    'name.given': given,
    birthdate: '1990-01-02',
    sex: 'female',
    'address.postalCode': '1000013',
    'address.text': HOLDER.basicFour.address,
  });
  expect(step.status).toBe(303);
  const confirm = await r.page(`${form}/confirm`);
  const res = await r.agent.post(`${form}/sign`).type('form').send({ _csrf: confirm.csrf });
  expect(res.status).toBe(200);
  const token = /\/s\/([A-Za-z0-9_-]{22})/.exec(unescapeHtml(res.text))?.[1] ?? '';
  expect(token).not.toBe('');
  return `/api/signer/v1/sessions/${token}`;
}

/** The card app's part, over the portal's signer API with the real APDU flow; returns the receipt number. */
export async function signWithCard(
  portalUrl: string,
  api: string,
  jpki: JpkiCard,
): Promise<string> {
  await jpki.selectJpkiAp();
  await jpki.verifySignPassword(HOLDER.signPassword);
  const certificate = await jpki.readSigningCertificate();
  const phase1 = await request(portalUrl)
    .post(`${api}/certificate`)
    .send({ certificate: certificate.toString('base64') });
  expect(phase1.status).toBe(200);
  const signature = await jpki.signWithSigningKey(
    Buffer.from(phase1.body.digestInfo as string, 'base64'),
  );
  const phase2 = await request(portalUrl)
    .post(`${api}/signature`)
    .send({ signature: signature.toString('base64') });
  expect(phase2.status).toBe(200);
  return phase2.body.receiptNumber as string;
}

/** fillAndOpenSigning + signWithCard with a card freshly issued by `jlis`: a signed application, its receipt number. */
export async function submitSignedApplication(
  portalUrl: string,
  jlis: SimulatedJlis,
  given = '花子',
): Promise<{ receiptNumber: string; signSerial: string }> {
  const api = await fillAndOpenSigning(portalUrl, CARDFACE_FORM, given);
  const card = await issueCard(jlis);
  return {
    receiptNumber: await signWithCard(portalUrl, api, card.jpki),
    signSerial: card.signSerial,
  };
}

/** A binary response body for supertest's .parse() (it buffers text only by default). */
export function binary(res: unknown, done: (err: Error | null, body: Buffer) => void): void {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}
