import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '@madoguchi/common';
import { PortalConfig } from '../../apps/portal/src/config/portal.config';
import { createPortalApp } from '../../apps/portal/src/portal-app.factory';
import { createBackofficeApp } from '../../apps/backoffice/src/backoffice.app';
import { loadBackofficeConfig } from '../../apps/backoffice/src/config/backoffice.config';
import { PullWorker } from '../../apps/backoffice/src/transfer/pull.worker';
import { pngBytes, submitTestPermit } from '../factories/application.factory';
import { freePort } from '../support/signing-env';
import { createStaff } from '../support/staff-agent';
import { testDatabaseUrl } from '../support/test-database';
import { openChromium, PageAudit } from './support/page-audit';

const ROOT = resolve(__dirname, '..', '..');
const SCREENSHOTS = join(ROOT, 'tmp', 'screenshots', 'reviewer-day');
const FORMS = join(ROOT, 'test', 'fixtures', 'forms');
const TRANSFER_KEY = 'reviewer-day-transfer-key-0123456789abcdef';
const PASSWORD = 'a long reviewer password';
const RETURN_MESSAGE = '電話番号につながりませんでした。正しい電話番号に直して再申請してください。';

/**
 * Issue 5 §10: a reviewer's day in chromium (1280×800), the resident in a second page. The reviewer logs in,
 * filters, opens an application, comments, returns it to the resident; the resident reads the message on the status
 * page and sends a corrected application; it arrives linked, the reviewer accepts it and exports the day's 完了 as
 * CSV. axe-core on every page of both sites.
 */
describe("a reviewer's day", () => {
  let portal: NestFastifyApplication;
  let backoffice: NestFastifyApplication;
  let portalBase: string;
  let staffBase: string;
  let dir: string;
  let context: BrowserContext;
  let staffPage: Page;
  let residentPage: Page;
  let staffAudit: PageAudit;
  let residentAudit: PageAudit;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reviewer-day-'));
    const portalPort = await freePort();
    portalBase = `http://127.0.0.1:${portalPort}`;
    portal = await createPortalApp(
      loadConfig(PortalConfig, {
        NODE_ENV: 'test',
        PORTAL_PUBLIC_URL: portalBase,
        PORTAL_DATABASE_URL: await testDatabaseUrl('reviewer_day_portal', dir),
        PORTAL_DATA_DIR: join(dir, 'portal'),
        FORMS_DIR: FORMS,
        TRANSFER_KEY,
      }),
    );
    await portal.listen(portalPort, '127.0.0.1');
    const staffPort = await freePort();
    staffBase = `http://127.0.0.1:${staffPort}`;
    backoffice = await createBackofficeApp(
      loadBackofficeConfig({
        NODE_ENV: 'test',
        BACKOFFICE_PORT: String(staffPort),
        BACKOFFICE_DATABASE_URL: await testDatabaseUrl('reviewer_day_backoffice', dir),
        BACKOFFICE_DATA_DIR: join(dir, 'backoffice'),
        PORTAL_TRANSFER_URL: portalBase,
        FORMS_DIR: FORMS,
        TRANSFER_KEY,
      }),
      { isWorkerManual: true, logger: false, announceFirstAdmin: () => undefined },
    );
    await backoffice.listen(staffPort, '127.0.0.1');
    await createStaff(backoffice, PASSWORD, [
      { loginId: 'shinsa', role: 'reviewer', displayName: '審査 花子', departments: ['テスト課'] },
    ]);
    ({ context, page: staffPage } = await openChromium(dir));
    residentPage = await context.newPage();
    staffAudit = new PageAudit(staffPage, staffBase, join(SCREENSHOTS, 'backoffice'));
    residentAudit = new PageAudit(residentPage, portalBase, join(SCREENSHOTS, 'portal'));
  });

  afterAll(async () => {
    if (staffAudit) {
      console.log(`back office\n${staffAudit.report()}`);
      console.log(`portal\n${residentAudit.report()}`);
    }
    await context?.close();
    await backoffice?.close();
    await portal?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One navigation of a page, then axe-core, weight and a screenshot of where it landed. */
  const staff = (name: string, go: () => Promise<unknown>) => staffAudit.visit(name, go);
  const resident = (name: string, go: () => Promise<unknown>) => residentAudit.visit(name, go);
  const pull = () => backoffice.get(PullWorker).runOnce();

  it('logs in, filters, opens, comments, returns; the correction arrives linked and is accepted', async () => {
    // the morning's applications: two from residents, one already in review
    const first = await submitTestPermit(portalBase, { familyName: '山田' });
    const second = await submitTestPermit(portalBase, { familyName: '佐藤' });
    await pull();

    await staff('login', () => staffPage.goto(`${staffBase}/login`));
    await staffPage.getByLabel('ログインID').fill('shinsa');
    await staffPage.getByLabel('パスワード').fill(PASSWORD);
    await staff('list', () => staffPage.getByRole('button', { name: 'ログイン' }).click());
    expect(new URL(staffPage.url()).pathname).toBe('/applications');
    await expect(staffPage.getByRole('link', { name: first.receiptNumber }).count()).resolves.toBe(
      1,
    );

    // filter: 受付 only, then the applicant's family name
    await staff('list-received', () =>
      staffPage
        .getByRole('navigation', { name: '状態で絞り込み' })
        .getByRole('link', { name: /^受付/ })
        .click(),
    );
    expect(new URL(staffPage.url()).searchParams.get('status')).toBe('received');
    await expect(staffPage.locator('tbody tr').count()).resolves.toBe(2);
    await staffPage.getByLabel('申請者氏名（漢字・カナ）').fill('山田');
    await staff('list-searched', () =>
      staffPage.getByRole('button', { name: '検索', exact: true }).click(),
    );
    await expect(staffPage.locator('tbody tr').count()).resolves.toBe(1);
    await expect(staffPage.locator('tbody tr').textContent()).resolves.toContain(
      first.receiptNumber,
    );

    // open, take it, comment
    await staff('detail', () => staffPage.getByRole('link', { name: first.receiptNumber }).click());
    await expect(staffPage.locator('#assignee-name').textContent()).resolves.toBe('未割当');
    await staff('assigned', () =>
      staffPage.getByRole('button', { name: '自分が担当する' }).click(),
    );
    await expect(staffPage.locator('#assignee-name').textContent()).resolves.toBe('審査 花子');
    await staffPage
      .getByLabel('コメントを追加')
      .fill('電話番号に2回かけたが不通。差戻しで確認する。');
    await staff('commented', () =>
      staffPage.getByRole('button', { name: 'コメントを追加する' }).click(),
    );
    await expect(staffPage.locator('.comments li').textContent()).resolves.toContain(
      '電話番号に2回かけたが不通',
    );

    // 審査中, then 差戻し with the message to the resident
    await staffPage.getByLabel('審査中').check();
    await staff('in-review', () =>
      staffPage.getByRole('button', { name: '状態を変更する' }).click(),
    );
    await staffPage.getByLabel(/差戻し/).check();
    // the message is required: the page says so and keeps the choice
    await staff('return-without-message', () =>
      staffPage.getByRole('button', { name: '状態を変更する' }).click(),
    );
    await expect(staffPage.locator('#status-error').textContent()).resolves.toContain(
      '申請者へのメッセージ',
    );
    await staffPage.getByLabel('申請者へのメッセージ').fill(RETURN_MESSAGE);
    await staff('returned', () =>
      staffPage.getByRole('button', { name: '状態を変更する' }).click(),
    );
    await expect(staffPage.locator('.status').first().textContent()).resolves.toBe('差戻し');
    await pull();

    // the resident, in another page: the message, 「修正して再申請する」, the form prefilled
    await resident('status-returned', () => residentPage.goto(`${portalBase}${first.statusPath}`));
    await expect(residentPage.locator('.status-message').textContent()).resolves.toBe(
      RETURN_MESSAGE,
    );
    await resident('correction-step-1', () =>
      residentPage.getByRole('button', { name: '修正して再申請する' }).click(),
    );
    await expect(residentPage.locator('input[name="name.family"]').inputValue()).resolves.toBe(
      '山田',
    );
    const tel = residentPage.locator('input[name="tel"]');
    await expect(tel.inputValue()).resolves.toBe('03-1234-5678');
    await tel.fill('03-5555-0101');
    await resident('correction-step-2', () =>
      residentPage.getByRole('button', { name: '次へ進む' }).click(),
    );
    await expect(residentPage.locator('input[name="count"]').inputValue()).resolves.toBe('1');
    const map = join(dir, 'map.png');
    writeFileSync(map, pngBytes(256, 3));
    await residentPage.locator('input[type="file"]').setInputFiles(map);
    await resident('correction-confirm', () =>
      residentPage.getByRole('button', { name: '入力内容を確認する' }).click(),
    );
    await expect(residentPage.locator('#correction-note').textContent()).resolves.toContain(
      first.receiptNumber,
    );
    await resident('correction-sent', () =>
      residentPage.getByRole('button', { name: 'この内容で申請する' }).click(),
    );
    const correction = (await residentPage.locator('.receipt-number').textContent()) ?? '';
    expect(correction).toMatch(/^\d{8}-\d{8}$/);
    const correctionPath = new URL(residentPage.url()).pathname;
    await resident('status-corrected', () => residentPage.goto(`${portalBase}${first.statusPath}`));
    await expect(residentPage.locator('#corrected-by').textContent()).resolves.toContain(
      correction,
    );

    // the correction arrives, linked; the reviewer accepts it
    await pull();
    await staff('list-after', () => staffPage.goto(`${staffBase}/applications`));
    await staff('correction-detail', () =>
      staffPage.getByRole('link', { name: correction }).click(),
    );
    await expect(staffPage.locator('#corrects a').textContent()).resolves.toBe(first.receiptNumber);
    await staffPage.getByLabel('審査中').check();
    await staff('correction-in-review', () =>
      staffPage.getByRole('button', { name: '状態を変更する' }).click(),
    );
    await staffPage.getByLabel('完了').check();
    await staff('correction-completed', () =>
      staffPage.getByRole('button', { name: '状態を変更する' }).click(),
    );
    await expect(staffPage.locator('.status').first().textContent()).resolves.toBe('完了');
    await staff('original', () => staffPage.locator('#corrects a').click());
    await expect(staffPage.locator('#corrected-by').textContent()).resolves.toContain(correction);

    // the end of the day: the form's 完了 as CSV (UTF-8 with BOM for Excel, one column per form field)
    await staff('list-completed', () =>
      staffPage.goto(`${staffBase}/applications?status=completed&form=test-permit`),
    );
    const [download] = await Promise.all([
      staffPage.waitForEvent('download'),
      staffPage.getByRole('link', { name: 'この条件の一覧をCSVでダウンロード' }).click(),
    ]);
    const csvPath = join(dir, 'export.csv');
    await download.saveAs(csvPath);
    const csv = readFileSync(csvPath);
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = csv.toString('utf8').slice(1).trim().split(/\r\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(correction);
    expect(lines[1]).toContain('03-5555-0101');
    await pull();
    await resident('status-completed', () => residentPage.goto(`${portalBase}${correctionPath}`));
    await expect(residentPage.locator('.status').textContent()).resolves.toBe('完了');
    expect(second.receiptNumber).not.toBe(correction);

    expect(staffAudit.foreignRequests).toEqual([]);
    expect(residentAudit.foreignRequests).toEqual([]);
    expect(staffAudit.blocking()).toEqual([]);
    expect(residentAudit.blocking()).toEqual([]);
  });
});
