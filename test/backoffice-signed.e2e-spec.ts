import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import type { TransferApplication } from '@madoguchi/transfer';
import type { SimulatedJlis } from '@madoguchi/virtual-card';
import { TransferService } from '../apps/portal/src/transfer/transfer.service';
import { ApplicationEntity } from '../apps/backoffice/src/database/entities/application.entity';
import { ApplicationIdentityEntity } from '../apps/backoffice/src/database/entities/application-identity.entity';
import { StaffService } from '../apps/backoffice/src/staff/staff.service';
import { ApplicationIntakeService } from '../apps/backoffice/src/transfer/application-intake.service';
import { PullWorker } from '../apps/backoffice/src/transfer/pull.worker';
import {
  binary,
  submitSignedApplication,
  unescapeHtml as unescape,
} from './support/signed-application';
import { HOLDER, opensslCmsVerify } from './support/signing-env';
import { createStaff, loggedIn, type StaffAgent, staffAgents } from './support/staff-agent';
import { startZones, type Zones } from './support/zones';

jest.setTimeout(60_000);

const PASSWORD = 'a long staff password';

describe('signed applications in the back office (issue 4 §7, §8)', () => {
  let dir: string;
  let jlis: SimulatedJlis;
  let rootFile: string;
  let zones: Zones;
  let portal: NestFastifyApplication;
  let portalUrl: string;
  let backoffice: NestFastifyApplication;
  let staff: StaffAgent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-signed-'));
    zones = await startZones(dir, 'signed');
    ({ jlis, rootFile, portal, portalUrl, backoffice } = zones);
    ({ reviewer: staff } = await staffAgents(backoffice, zones.backofficeUrl, PASSWORD, [
      {
        loginId: 'reviewer',
        role: 'reviewer',
        displayName: '審査 担当',
        departments: ['テスト課'],
      },
    ]));
  });

  afterAll(async () => {
    await zones?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signed = (given = '花子') => submitSignedApplication(portalUrl, jlis, given);

  async function pickedUp(receiptNumber: string) {
    await backoffice.get(PullWorker).runOnce();
    const db = backoffice.get(DataSource);
    const application = await db
      .getRepository(ApplicationEntity)
      .findOneByOrFail({ receiptNumber });
    const identity = await db
      .getRepository(ApplicationIdentityEntity)
      .findOneByOrFail({ applicationId: application.id });
    const page = await staff.agent.get(`/applications/${application.id}`);
    expect(page.status).toBe(200);
    return { application, identity, html: unescape(page.text) };
  }

  it('verifies again at pickup: 検証成功 with each check, and document.json + signature.p7s verify with openssl', async () => {
    const { receiptNumber } = await signed();
    const { application, identity, html } = await pickedUp(receiptNumber);

    expect(identity.indication).toBe('TOTAL-PASSED');
    expect(identity.evidence?.backoffice.ocsp.length ?? 0).toBeGreaterThan(0);
    expect(identity.chain?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(identity.certified).toEqual(HOLDER.basicFour);
    expect(identity.differences).toEqual([]);
    expect(html).toContain('data-indication="TOTAL-PASSED"');
    expect(html).toContain('検証成功');
    for (const check of [
      'DOCUMENT_SHA256',
      'CONTENT',
      'SIGNATURE',
      'MESSAGE_DIGEST',
      'SIGNING_CERTIFICATE_V2',
      'CHAIN',
      'VALIDITY_AT_SIGNING_TIME',
      'KEY_USAGE',
      'POLICY',
      'REVOCATION',
    ]) {
      expect(html).toMatch(
        new RegExp(
          `data-check="${check}"><th scope="row">[^<]+<small><code>${check}</code></small></th><td>✔ 合格`,
        ),
      );
    }
    expect(html).toContain('基本4情報に相違はありません。');
    expect(html).not.toContain('【相違】');

    const documentRes = await staff.agent
      .get(`/applications/${application.id}/document.json`)
      .buffer(true)
      .parse(binary);
    const p7sRes = await staff.agent
      .get(`/applications/${application.id}/signature.p7s`)
      .buffer(true)
      .parse(binary);
    for (const res of [documentRes, p7sRes]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toMatch(/^attachment; /);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    const documentBytes = documentRes.body as Buffer;
    expect(JSON.parse(documentBytes.toString('utf8'))).toMatchObject({
      municipalityCode: '990019',
      answers: application.answers,
    });
    // the independent check: openssl cms -verify against the J-LIS root
    expect(
      opensslCmsVerify(
        mkdtempSync(join(dir, 'openssl-')),
        p7sRes.body as Buffer,
        documentBytes,
        rootFile,
      ),
    ).toMatch(/^0 .*Verification successful/s);

    // another municipality's staff gets nothing, as with attachments
    await backoffice
      .get(StaffService)
      .ensureMunicipalities([{ code: '990027', name: { ja: 'となり町（テスト）' } }]);
    await createStaff(backoffice, PASSWORD, [
      {
        loginId: 'neighbour',
        role: 'reviewer',
        displayName: 'となり',
        municipalityCode: '990027',
        departments: ['テスト課'],
      },
    ]);
    const neighbour = await loggedIn(zones.backofficeUrl, 'neighbour', PASSWORD);
    expect(
      (await neighbour.agent.get(`/applications/${application.id}/signature.p7s`)).status,
    ).toBe(404);
  });

  it('records the back office’s own verdict: a certificate revoked after the portal accepted it fails at pickup', async () => {
    const { receiptNumber, signSerial } = await signed();
    await jlis.revoke(signSerial, 'superseded');
    const { identity, html } = await pickedUp(receiptNumber);

    expect(identity.portalReport?.indication).toBe('TOTAL-PASSED');
    expect(identity.indication).toBe('TOTAL-FAILED');
    expect(identity.subIndication).toBe('REVOKED');
    expect(html).toContain('data-indication="TOTAL-FAILED"');
    expect(html).toContain('検証失敗');
    expect(html).not.toContain('data-indication="TOTAL-PASSED"');
    expect(html).toMatch(/data-check="REVOCATION">.*?✖ 不合格 <small>REVOKED<\/small>/s);
    expect(html).toContain('申請受付時の窓口側の判定は異なります');
  });

  it('flags a document altered in transit as HASH_FAILURE, and still stores it', async () => {
    await signed();
    const [genuine] = (await portal.get(TransferService).pending(100)).filter(
      (a) => a.identity?.signature,
    );
    const signature = genuine.identity!.signature!;
    const tampered: TransferApplication = {
      ...genuine,
      id: `${genuine.id.slice(0, 30)}tamper`,
      receiptNumber: `${genuine.receiptNumber}-T`,
      identity: {
        ...genuine.identity!,
        signature: { ...signature, document: signature.document.replace('花子', '太郎') },
      },
    };
    expect(tampered.identity?.signature?.document).not.toBe(signature.document);
    await expect(backoffice.get(ApplicationIntakeService).store(tampered)).resolves.toBe('stored');
    const db = backoffice.get(DataSource);
    const application = await db
      .getRepository(ApplicationEntity)
      .findOneByOrFail({ receiptNumber: tampered.receiptNumber });
    const identity = await db
      .getRepository(ApplicationIdentityEntity)
      .findOneByOrFail({ applicationId: application.id });
    expect(identity.indication).toBe('TOTAL-FAILED');
    expect(identity.subIndication).toBe('HASH_FAILURE');
    const failed = (identity.checks ?? []).filter((c) => c.status === 'FAILED').map((c) => c.check);
    expect(failed).toEqual(
      expect.arrayContaining(['DOCUMENT_SHA256', 'CONTENT', 'MESSAGE_DIGEST']),
    );
    const html = unescape((await staff.agent.get(`/applications/${application.id}`)).text);
    expect(html).toContain('検証失敗');
    expect(html).toContain('HASH_FAILURE');
    expect(html).not.toContain('data-indication="TOTAL-PASSED"');
    // the genuine one is still picked up and verified
    await backoffice.get(PullWorker).runOnce();
    const original = await db
      .getRepository(ApplicationEntity)
      .findOneByOrFail({ receiptNumber: genuine.receiptNumber });
    await expect(
      db.getRepository(ApplicationIdentityEntity).findOneByOrFail({ applicationId: original.id }),
    ).resolves.toMatchObject({ indication: 'TOTAL-PASSED' });
  });

  it('lists a difference between the entered name and the certified name on the detail page', async () => {
    const { receiptNumber } = await signed('太郎');
    const { identity, html } = await pickedUp(receiptNumber);

    expect(identity.indication).toBe('TOTAL-PASSED');
    expect(identity.differences).toEqual([
      { item: 'name', against: 'entered', certified: '窓口　花子', other: '窓口　太郎' },
    ]);
    expect(html).toMatch(
      /data-item="name"><th scope="row">氏名<\/th><td>窓口\u3000花子<\/td><td class="differs">窓口\u3000太郎 <strong class="differs-mark">【相違】<\/strong>/u,
    );
    expect(html).toContain('相違があります（1）');
    expect(html).toContain('氏名：証明書「窓口　花子」／入力内容「窓口　太郎」');
  });
});
