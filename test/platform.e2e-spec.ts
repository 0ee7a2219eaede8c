import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { loadConfig } from '@madoguchi/common';
import { PortalConfig } from '../apps/portal/src/config/portal.config';
import { createPortalApp } from '../apps/portal/src/portal-app.factory';
import { ApplicationEntity as PortalApplication } from '../apps/portal/src/database/entities/application.entity';
import { createBackofficeApp } from '../apps/backoffice/src/backoffice.app';
import type { BackofficeConfig } from '../apps/backoffice/src/config/backoffice.config';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { PullWorker } from '../apps/backoffice/src/transfer/pull.worker';
import { pngBytes, submitTestPermit } from './factories/application.factory';
import { StaffAgent } from './support/staff-agent';
import { testDatabaseUrl } from './support/test-database';

const KEY = 'platform-transfer-key-0123456789abcdef';
const PASSWORD = 'a long staff password';

/**
 * Both zones on real ports (issue 2 §9): a resident submits over HTTP, the back office pulls it, staff change the
 * status, and the resident's status page shows it.
 */
describe('platform: portal → back office → portal', () => {
  let portal: NestFastifyApplication;
  let backoffice: NestFastifyApplication;
  let portalUrl: string;
  let backofficeUrl: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platform-e2e-'));
    const forms = join(__dirname, 'fixtures', 'forms');
    portal = await createPortalApp(
      loadConfig(PortalConfig, {
        NODE_ENV: 'test',
        PORTAL_DATABASE_URL: await testDatabaseUrl('platform_portal', dir),
        PORTAL_DATA_DIR: join(dir, 'portal'),
        FORMS_DIR: forms,
        TRANSFER_KEY: KEY,
      }),
    );
    await portal.listen(0, '127.0.0.1');
    portalUrl = await portal.getUrl();
    const config: BackofficeConfig = {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: await testDatabaseUrl('platform_backoffice', dir),
      dataDir: join(dir, 'backoffice'),
      portalTransferUrl: portalUrl,
      transferKey: KEY,
      cookieSecret: 'c'.repeat(32),
      pullIntervalMs: 60_000,
      formsDir: forms,
      isProduction: false,
    };
    backoffice = await createBackofficeApp(config, {
      isWorkerManual: true,
      logger: false,
      announceFirstAdmin: () => undefined,
    });
    await backoffice.listen({ port: 0, host: '127.0.0.1' });
    backofficeUrl = (await backoffice.getUrl()).replace('[::1]', '127.0.0.1');
    await backoffice.get(StaffService).createUser({
      loginId: 'reviewer',
      displayName: '審査 太郎',
      password: PASSWORD,
      role: 'reviewer',
      municipalityCode: '990019',
      mustChangePassword: false,
      departments: ['テスト課'],
    });
  });

  afterAll(async () => {
    await backoffice.close();
    await portal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a submission to staff, and their decision back to the resident', async () => {
    const attachment = pngBytes(2048, 9);
    const submitted = await submitTestPermit(portalUrl, { familyName: '山田', attachment });
    const before = await request(portalUrl).get(submitted.statusPath);
    expect(before.text).toContain('送信済み');

    await backoffice.get(PullWorker).runOnce();

    // The portal dropped the personal data once the back office acknowledged; it keeps receipt and status.
    const kept = await portal
      .get(DataSource)
      .getRepository(PortalApplication)
      .findOneByOrFail({ receiptNumber: submitted.receiptNumber });
    expect(kept.answers).toBeNull();
    expect(kept.attachments).toBeNull();
    expect(kept.pickedUpAt).not.toBeNull();
    expect((await request(portalUrl).get(submitted.statusPath)).text).toContain('受付');

    const staff = new StaffAgent(backofficeUrl);
    expect((await staff.login('reviewer', PASSWORD)).status).toBe(303);
    const list = await staff.agent.get('/applications');
    expect(list.text).toContain(submitted.receiptNumber);
    const applicationId = /\/applications\/([0-9a-f-]{36})/.exec(list.text)?.[1];
    expect(applicationId).toBeDefined();
    const detail = await staff.agent.get(`/applications/${applicationId}`);
    expect(detail.text).toContain('山田');
    expect(detail.text).toContain('map.png');
    const link = /href="(\/applications\/[0-9a-f-]{36}\/attachments\/[^"]+)"/.exec(
      detail.text,
    )?.[1];
    const download = await staff.agent
      .get(link ?? '')
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(Buffer.compare(download.body as Buffer, attachment)).toBe(0);

    const page = `/applications/${applicationId}`;
    const action = `${page}/status`;
    expect((await staff.post(page, action, { status: 'in_review', version: '0' })).status).toBe(
      303,
    );
    const returned = await staff.post(page, action, {
      status: 'returned',
      version: '1',
      message: '添付書類の地図が読み取れません。鮮明なものを添付してください。',
    });
    expect(returned.status).toBe(303);

    await backoffice.get(PullWorker).runOnce();
    const after = await request(portalUrl).get(submitted.statusPath);
    expect(after.text).toContain('差戻し');
    expect(after.text).toContain('添付書類の地図が読み取れません');
  });
});
