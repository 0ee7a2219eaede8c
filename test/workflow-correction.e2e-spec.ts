import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApplicationEntity as PortalApplication } from '../apps/portal/src/database/entities/application.entity';
import { DraftEntity } from '../apps/portal/src/database/entities/draft.entity';
import { ApplicationEntity as BackofficeApplication } from '../apps/backoffice/src/database/entities/application.entity';
import { PullWorker } from '../apps/backoffice/src/transfer/pull.worker';
import { pngBytes, submitTestPermit, TEST_PERMIT_PATH } from './factories/application.factory';
import { ResidentAgent } from './support/portal-client';
import { signWithCard, unescapeHtml } from './support/signed-application';
import { type StaffAgent, staffAgents } from './support/staff-agent';
import { startZones, type Zones } from './support/zones';
import { issueCard } from './support/signing-env';
import type { SimulatedJlis } from '@madoguchi/virtual-card';

jest.setTimeout(120_000);

const PASSWORD = 'a long staff password';
const MESSAGE = '電話番号が間違っているようです。正しい番号に直して、地図を添付し直してください。';

/**
 * The 差戻し loop across both zones on real ports: staff return an application with a message, the resident reads
 * it on the status page, corrects it from there (prefilled), the correction arrives linked to the first, and is
 * accepted.
 */
describe('workflow: 差戻し → corrected application → linked → 完了', () => {
  let portal: NestFastifyApplication;
  let backoffice: NestFastifyApplication;
  let portalUrl: string;
  let backofficeUrl: string;
  let dir: string;
  let staff: StaffAgent;
  let jlis: SimulatedJlis;
  let zones: Zones | undefined;

  const pull = () => backoffice.get(PullWorker).runOnce();
  const portalApps = () => portal.get(DataSource).getRepository(PortalApplication);
  const backofficeApps = () => backoffice.get(DataSource).getRepository(BackofficeApplication);
  const idOf = async (receiptNumber: string) =>
    (await backofficeApps().findOneByOrFail({ receiptNumber })).id;

  async function changeStatus(id: string, status: string, version: number, message = '') {
    const page = `/applications/${id}`;
    return staff.post(page, `${page}/status`, { status, message, version: String(version) });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'workflow-e2e-'));
    zones = await startZones(dir, 'workflow');
    ({ jlis, portal, portalUrl, backoffice, backofficeUrl } = zones);
    ({ reviewer: staff } = await staffAgents(backoffice, backofficeUrl, PASSWORD, [
      {
        loginId: 'reviewer',
        role: 'reviewer',
        displayName: '審査 太郎',
        departments: ['テスト課'],
      },
    ]));
  });

  afterAll(async () => {
    await zones?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns, corrects (prefilled, only with the status secret), links both ways and completes', async () => {
    const first = await submitTestPermit(portalUrl, { familyName: '山田' });
    const other = await submitTestPermit(portalUrl, { familyName: '佐藤' });
    await pull();
    const firstId = await idOf(first.receiptNumber);
    expect((await changeStatus(firstId, 'in_review', 0)).status).toBe(303);
    expect((await changeStatus(firstId, 'returned', 1, MESSAGE)).status).toBe(303);
    await pull();

    // the resident's status page: the message and the button
    const resident = new ResidentAgent(portalUrl);
    const status = await resident.page(first.statusPath);
    expect(status.text).toContain('差戻し');
    expect(status.text).toContain(MESSAGE);
    expect(status.text).toContain('修正して再申請する');
    expect(status.text).toContain(`action="${first.statusPath}/correct"`);
    // the prefill came back without the files (those stay in the LGWAN zone)
    const kept = await portalApps().findOneByOrFail({ receiptNumber: first.receiptNumber });
    expect(kept.correctionAnswers).toMatchObject({ tel: '03-1234-5678', count: 1 });
    expect(kept.correctionAnswers).not.toHaveProperty('document');
    expect(kept.answers).toBeNull();

    // only the holder of the secret starts it; never from another application's page; never without CSRF
    const drafts = () => portal.get(DataSource).getRepository(DraftEntity).count();
    const draftsBefore = await drafts();
    const wrongSecret = first.statusPath.replace(/\/[^/]+$/, '/AAAAAAAAAAAAAAAAAAAAAA');
    const forged = await resident.agent
      .post(`${wrongSecret}/correct`)
      .type('form')
      .send({ _csrf: status.csrf });
    expect(forged.status).toBe(404);
    expect(forged.text).toContain('受付番号または確認用のリンクが正しくありません');
    const notReturned = await resident.agent
      .post(`${other.statusPath}/correct`)
      .type('form')
      .send({ _csrf: status.csrf });
    expect(notReturned.status).toBe(409);
    expect(notReturned.text).toContain('修正して再申請できる状態ではありません');
    const noCsrf = await request(portalUrl)
      .post(`${first.statusPath}/correct`)
      .type('form')
      .send({});
    expect(noCsrf.status).toBe(403);
    expect(await drafts()).toBe(draftsBefore);

    // 「修正して再申請する」: the same form, prefilled
    const start = await resident.agent
      .post(`${first.statusPath}/correct`)
      .type('form')
      .send({ _csrf: status.csrf });
    expect(start.status).toBe(303);
    expect(start.headers.location).toBe(`${TEST_PERMIT_PATH}/steps/1`);
    const step1 = await resident.page(`${TEST_PERMIT_PATH}/steps/1`);
    for (const value of [
      '山田',
      '花子',
      'ヤマダ',
      'ハナコ',
      '1000001',
      'まどぐち市本町1-2-3',
      '03-1234-5678',
    ]) {
      expect(step1.text).toContain(`value="${value}"`);
    }
    let res = await resident.agent.post(`${TEST_PERMIT_PATH}/steps/1`).type('form').send({
      _csrf: step1.csrf,
      'name.family': '山田',
      'name.given': '花子',
      'name.familyKana': 'ヤマダ',
      'name.givenKana': 'ハナコ',
      'address.postalCode': '1000001',
      'address.text': 'まどぐち市本町1-2-3',
      tel: '03-9876-5432',
      has_partner: 'no',
    });
    expect(res.status).toBe(303);
    const step2 = await resident.page(`${TEST_PERMIT_PATH}/steps/2`);
    expect(step2.text).toMatch(/name="count"[^>]*value="1"|value="1"[^>]*name="count"/);
    res = await resident.agent
      .post(`${TEST_PERMIT_PATH}/steps/2`)
      .field('_csrf', step2.csrf)
      .field('count', '2')
      .attach('document', pngBytes(128, 7), 'map-new.png');
    expect(res.status).toBe(303);
    const confirm = await resident.page(`${TEST_PERMIT_PATH}/confirm`);
    expect(confirm.text).toContain(`受付番号 ${first.receiptNumber}`);
    res = await resident.agent
      .post(`${TEST_PERMIT_PATH}/submit`)
      .type('form')
      .send({ _csrf: confirm.csrf });
    expect(res.status).toBe(303);
    const secondPath = String(res.headers.location).replace('?submitted=1', '');
    const secondReceipt = secondPath.split('/')[2];
    expect(secondReceipt).not.toBe(first.receiptNumber);

    // the first one now says it was corrected; it cannot be corrected twice; its prefill is gone
    const firstAfter = await resident.page(first.statusPath);
    expect(firstAfter.text).toContain(`修正して再申請しました。受付番号 ${secondReceipt}`);
    expect(firstAfter.text).not.toContain(`action="${first.statusPath}/correct"`);
    const again = await resident.agent
      .post(`${first.statusPath}/correct`)
      .type('form')
      .send({ _csrf: status.csrf });
    expect(again.status).toBe(409);
    expect(
      await portalApps().findOneByOrFail({ receiptNumber: first.receiptNumber }),
    ).toMatchObject({ correctedBy: secondReceipt, correctionAnswers: null });

    // the back office picks the correction up, linked both ways
    await pull();
    const secondId = await idOf(secondReceipt);
    expect(await backofficeApps().findOneByOrFail({ id: secondId })).toMatchObject({
      correctsReceiptNumber: first.receiptNumber,
      status: 'received',
      answers: expect.objectContaining({ tel: '03-9876-5432', count: 2 }),
    });
    expect(await backofficeApps().findOneByOrFail({ id: firstId })).toMatchObject({
      correctedByReceiptNumber: secondReceipt,
      status: 'returned',
    });
    const secondPage = await staff.agent.get(`/applications/${secondId}`).expect(200);
    expect(secondPage.text).toContain(
      `<a href="/applications/${firstId}">${first.receiptNumber}</a>`,
    );
    const firstPage = await staff.agent.get(`/applications/${firstId}`).expect(200);
    expect(firstPage.text).toContain(`<a href="/applications/${secondId}">${secondReceipt}</a>`);
    expect(firstPage.text).not.toContain(`action="/applications/${firstId}/status"`);
    const list = await staff.agent.get('/applications').expect(200);
    expect(list.text).toContain('再申請済み');

    // the first no longer moves (the review goes on with the correction)
    const closed = await changeStatus(firstId, 'in_review', 2);
    expect(closed.status).toBe(400);
    expect(closed.text).toContain('再申請済みです');
    expect((await backofficeApps().findOneByOrFail({ id: firstId })).statusVersion).toBe(2);

    // the correction is accepted, and the resident sees it
    expect((await changeStatus(secondId, 'in_review', 0)).status).toBe(303);
    expect((await changeStatus(secondId, 'completed', 1)).status).toBe(303);
    await pull();
    const done = await request(portalUrl).get(secondPath);
    expect(done.text).toContain('完了');
    expect(done.text).toContain(`受付番号 ${first.receiptNumber}`);
  });

  it('drops the prefill when a returned application moves on without a correction', async () => {
    const a = await submitTestPermit(portalUrl, { familyName: '鈴木' });
    await pull();
    const id = await idOf(a.receiptNumber);
    await changeStatus(id, 'in_review', 0);
    await changeStatus(id, 'returned', 1, '連絡先を確認させてください。');
    await pull();
    expect(
      (await portalApps().findOneByOrFail({ receiptNumber: a.receiptNumber })).correctionAnswers,
    ).not.toBeNull();
    // the resident phoned in instead: staff resume the review
    expect((await changeStatus(id, 'in_review', 2)).status).toBe(303);
    await pull();
    const row = await portalApps().findOneByOrFail({ receiptNumber: a.receiptNumber });
    expect(row).toMatchObject({ status: 'in_review', correctionAnswers: null });
    const page = await request(portalUrl).get(a.statusPath);
    expect(page.text).not.toContain('/correct"');
  });

  it('corrects a signed application: signed again with the card, verified again, linked, completed', async () => {
    const SIGNED = '/m/990019/forms/test-signed';
    const { jpki } = await issueCard(jlis);
    const resident = new ResidentAgent(portalUrl);

    /** The confirmation page's 「署名して申請する」, then what a card app does; returns the status path. */
    async function sign(): Promise<string> {
      const confirm = await resident.page(`${SIGNED}/confirm`);
      const handoff = await resident.agent
        .post(`${SIGNED}/sign`)
        .type('form')
        .send({ _csrf: confirm.csrf });
      expect(handoff.status).toBe(200);
      const html = unescapeHtml(handoff.text);
      const token = /\/s\/([A-Za-z0-9_-]{22})/.exec(html)?.[1] ?? '';
      const statePath = /data-state-url="([^"]+)"/.exec(html)?.[1] ?? '';
      const api = `/api/signer/v1/sessions/${token}`;
      await signWithCard(portalUrl, api, jpki);
      const state = await resident.agent.get(statePath);
      expect(state.body.status).toBe('completed');
      return String(state.body.redirect).replace('?submitted=1', '');
    }

    await resident.submit(SIGNED, `${SIGNED}/start`, {});
    await resident.submit(`${SIGNED}/steps/1`, `${SIGNED}/steps/1`, { purpose: '年金の手続き' });
    const firstPath = await sign();
    const firstReceipt = firstPath.split('/')[2];
    await pull();
    const firstId = await idOf(firstReceipt);
    expect((await changeStatus(firstId, 'in_review', 0)).status).toBe(303);
    expect(
      (await changeStatus(firstId, 'returned', 1, '使用目的を具体的に書いてください。')).status,
    ).toBe(303);
    await pull();

    const status = await resident.page(firstPath);
    expect(status.text).toContain('使用目的を具体的に書いてください。');
    const start = await resident.agent
      .post(`${firstPath}/correct`)
      .type('form')
      .send({ _csrf: status.csrf });
    expect(start.status).toBe(303);
    const step1 = await resident.page(`${SIGNED}/steps/1`);
    expect(step1.text).toContain('value="年金の手続き"');
    await resident.submit(`${SIGNED}/steps/1`, `${SIGNED}/steps/1`, {
      purpose: '年金の手続き（受給資格の確認）',
    });
    // a correction of a signed form is never sent unsigned
    const confirm = await resident.page(`${SIGNED}/confirm`);
    expect(confirm.text).toContain(`受付番号 ${firstReceipt}`);
    const unsigned = await resident.agent
      .post(`${SIGNED}/submit`)
      .type('form')
      .send({ _csrf: confirm.csrf });
    expect(unsigned.status).toBe(409);
    const secondPath = await sign();
    const secondReceipt = secondPath.split('/')[2];
    expect((await resident.page(firstPath)).text).toContain(
      `修正して再申請しました。受付番号 ${secondReceipt}`,
    );

    await pull();
    const secondId = await idOf(secondReceipt);
    expect(await backofficeApps().findOneByOrFail({ id: secondId })).toMatchObject({
      correctsReceiptNumber: firstReceipt,
      answers: { purpose: '年金の手続き（受給資格の確認）' },
    });
    expect(await backofficeApps().findOneByOrFail({ id: firstId })).toMatchObject({
      correctedByReceiptNumber: secondReceipt,
    });
    // the back office verified the new signature itself
    const identity = await backoffice
      .get(DataSource)
      .query<{ indication: string }[]>(
        backoffice.get(DataSource).options.type === 'postgres'
          ? 'SELECT indication FROM application_identity WHERE application_id = $1'
          : 'SELECT indication FROM application_identity WHERE application_id = ?',
        [secondId],
      );
    expect(identity).toEqual([{ indication: 'TOTAL-PASSED' }]);
    const detail = await staff.agent.get(`/applications/${secondId}`);
    expect(detail.text).toContain(`<a href="/applications/${firstId}">${firstReceipt}</a>`);

    expect((await changeStatus(secondId, 'in_review', 0)).status).toBe(303);
    expect((await changeStatus(secondId, 'completed', 1)).status).toBe(303);
    await pull();
    expect((await request(portalUrl).get(secondPath)).text).toContain('完了');
  });
});
