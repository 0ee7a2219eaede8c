import { SecretBox } from '@madoguchi/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ArchiveOutboxService } from '../apps/backoffice/src/archive/archive-outbox.service';
import { buildBag } from '../apps/backoffice/src/archive/bagit/bag';
import { FolderTarget } from '../apps/backoffice/src/archive/connectors/folder.target';
import { S3Target } from '../apps/backoffice/src/archive/connectors/s3.target';
import { archiveRecord } from '../apps/backoffice/src/archive/testing/archive-record.factory';
import { ArchiveConnectorEntity } from '../apps/backoffice/src/database/entities/archive-connector.entity';
import { ArchiveDeliveryEntity } from '../apps/backoffice/src/database/entities/archive-delivery.entity';
import { AuditLogEntity } from '../apps/backoffice/src/database/entities/audit-log.entity';
import { connectorSecretContext } from '../apps/backoffice/src/database/stored-secrets';
import { startApacheWebdav, type ApacheWebdav } from './support/apache-webdav';
import { startS3rver } from './support/s3rver-server';
import { type StaffAgent, staffAgents } from './support/staff-agent';
import { startBackoffice } from './support/zones';

jest.setTimeout(60_000);

const PASSWORD = 'a long staff password';

describe('archive connectors in the back office (admin page, dead letters, reconciliation)', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let db: DataSource;
  let dav: ApacheWebdav;
  let admin: StaffAgent;
  let reviewer: StaffAgent;
  let viewer: StaffAgent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archive-admin-e2e-'));
    dav = await startApacheWebdav();
    ({ app, baseUrl } = await startBackoffice(dir, 'archive_admin_e2e'));
    db = app.get(DataSource);
    ({
      'it-admin': admin,
      reviewer,
      viewer,
    } = await staffAgents(app, baseUrl, PASSWORD, [
      { loginId: 'it-admin', role: 'admin' },
      { loginId: 'reviewer', role: 'reviewer' },
      { loginId: 'viewer', role: 'viewer' },
    ]));
  });

  afterAll(async () => {
    await app?.close();
    await dav?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('管理者 adds a WebDAV connector; 接続テスト passes; the password is stored but never shown back', async () => {
    const added = await admin.post('/admin/archive', '/admin/archive/connectors', {
      kind: 'webdav',
      name: '文書管理サーバー',
      url: dav.url,
      username: dav.username,
      secret: dav.password,
      format: 'directory',
      formIds: '',
      maxAttempts: '8',
    });
    expect(added.status).toBe(303);
    expect(added.headers.location).toBe('/admin/archive?saved=1');
    const [stored] = await db
      .getRepository(ArchiveConnectorEntity)
      .findBy({ name: '文書管理サーバー' });
    expect(stored).toMatchObject({ kind: 'webdav', isEnabled: true });
    // sealed at rest (BACKOFFICE_SECRETS_KEY), bound to this connector
    expect(stored.secret).toMatch(/^v1:/);
    expect(stored.secret).not.toContain(dav.password);
    const secrets = app.get(SecretBox);
    expect(secrets.open(stored.secret!, connectorSecretContext(stored.id))).toBe(dav.password);

    const page = await admin.agent.get('/admin/archive').expect(200);
    expect(page.text).toContain('文書管理サーバー');
    expect(page.text).toContain('設定済みです（表示しません）');
    expect(page.text).not.toContain(dav.password);

    const test = await admin.post(
      '/admin/archive',
      `/admin/archive/connectors/${stored.id}/test`,
      {},
    );
    expect(test.status).toBe(200);
    expect(test.text).toContain('接続テスト成功');
    expect(test.text).not.toContain(dav.password);

    // saving with the password field left empty keeps the stored password
    const saved = await admin.post('/admin/archive', `/admin/archive/connectors/${stored.id}`, {
      name: '文書管理サーバー',
      url: dav.url,
      username: dav.username,
      secret: '',
      format: 'zip',
      formIds: 'sodai-gomi, juminhyo',
      maxAttempts: '5',
      isEnabled: 'on',
    });
    expect(saved.status).toBe(303);
    const reloaded = await db
      .getRepository(ArchiveConnectorEntity)
      .findOneByOrFail({ id: stored.id });
    expect(reloaded).toMatchObject({
      secret: stored.secret,
      format: 'zip',
      formIds: ['sodai-gomi', 'juminhyo'],
      maxAttempts: 5,
    });
    // both saves are in the audit log, with who and what, and never the password
    const changes = await db.getRepository(AuditLogEntity).find({
      where: { action: 'connector.changed', targetId: stored.id },
      order: { seq: 'ASC' },
    });
    expect(changes.map((c) => [c.actorLoginId, JSON.parse(c.detail) as unknown])).toEqual([
      [
        'it-admin',
        expect.objectContaining({ isNew: true, isSecretChanged: true, format: 'directory' }),
      ],
      [
        'it-admin',
        expect.objectContaining({ isNew: false, isSecretChanged: false, format: 'zip' }),
      ],
    ]);
    expect(changes.map((c) => c.detail).join('')).not.toContain(dav.password);
  });

  it('接続テスト with a wrong password or a missing collection says what is wrong, with the answer', async () => {
    for (const [name, url, secret, expected] of [
      ['wrong password', dav.url, 'not it', '認証に失敗しました（HTTP 401）'],
      [
        'missing collection',
        `${dav.url}nowhere/`,
        dav.password,
        'がありません。URLを確かめてください',
      ],
    ]) {
      await admin.post('/admin/archive', '/admin/archive/connectors', {
        kind: 'webdav',
        name,
        url,
        username: dav.username,
        secret,
        format: 'directory',
        maxAttempts: '3',
      });
      const { id } = await db.getRepository(ArchiveConnectorEntity).findOneByOrFail({ name });
      const test = await admin.post('/admin/archive', `/admin/archive/connectors/${id}/test`, {});
      expect(test.text).toContain('接続テスト失敗');
      expect(test.text).toContain(expected);
    }
  });

  it('bad settings are refused with a message and nothing saved: relative folder, bad URL, short HMAC key', async () => {
    const before = await db.getRepository(ArchiveConnectorEntity).count();
    for (const [fields, expected] of [
      [{ kind: 'folder', name: 'f', path: 'relative/dir', format: 'directory' }, '絶対パス'],
      [{ kind: 'webdav', name: 'w', url: 'not a url', format: 'directory' }, 'はURLではありません'],
      [
        { kind: 'webhook', name: 'h', url: 'http://127.0.0.1:1/x', secret: 'short', format: 'zip' },
        '32文字以上',
      ],
    ] as const) {
      const res = await admin.post('/admin/archive', '/admin/archive/connectors', {
        ...fields,
        maxAttempts: '3',
      });
      expect(res.status).toBe(400);
      expect(res.text).toContain(expected);
      expect(res.text).not.toContain('short"'); // a typed secret is not put back in the page
    }
    expect(await db.getRepository(ArchiveConnectorEntity).count()).toBe(before);
  });

  it('only 管理者 opens the connectors page and the reconciliation report', async () => {
    await reviewer.agent.get('/admin/archive').expect(403);
    await viewer.agent.get('/admin/archive').expect(403);
    await reviewer.agent.get('/admin/archive/reconciliation.csv').expect(403);
    await viewer.agent.get('/archive/dead-letters').expect(403);
  });

  it('a dead letter shows its reason and the answer; 「再送」 queues it again; the reconciliation CSV counts it', async () => {
    const folder = join(dir, 'archive');
    mkdirSync(folder);
    await admin.post('/admin/archive', '/admin/archive/connectors', {
      kind: 'folder',
      name: '共有フォルダー',
      path: folder,
      format: 'directory',
      maxAttempts: '3',
    });
    // two accepted records for the folder connector (and the other enabled connectors of the municipality)
    const outbox = app.get(ArchiveOutboxService);
    const folderConnector = await db
      .getRepository(ArchiveConnectorEntity)
      .findOneByOrFail({ name: '共有フォルダー' });
    const recordIds = [
      '11111111-1111-4111-8111-111111111111',
      '22222222-2222-4222-8222-222222222222',
    ];
    for (const [i, id] of recordIds.entries()) {
      await db.transaction((em) =>
        outbox.enqueue(em, {
          id,
          municipalityCode: '990019',
          formId: 'sodai-gomi',
          receiptNumber: `R-TEST-${i}`,
        }),
      );
    }
    const entries = await db
      .getRepository(ArchiveDeliveryEntity)
      .findBy({ connectorId: folderConnector.id });
    expect(entries).toHaveLength(2);
    const [claimed] = (await outbox.claim('test', 10, 60_000)).filter(
      (d) => d.connectorId === folderConnector.id && d.recordId === recordIds[0],
    );
    await outbox.markFailed(
      claimed,
      {
        message: 'テスト用の失敗理由',
        response: 'HTTP 422 Unprocessable\n文書分類がありません',
        isRetryable: false,
      },
      3,
      { baseMs: 1000, maxMs: 1000 },
    );

    const page = await reviewer.agent.get('/archive/dead-letters').expect(200);
    expect(page.text).toContain('R-TEST-0');
    expect(page.text).toContain('テスト用の失敗理由');
    expect(page.text).toContain('文書分類がありません');
    expect(page.text).not.toContain('R-TEST-1');

    const retried = await reviewer.post(
      '/archive/dead-letters',
      `/archive/deliveries/${claimed.id}/retry`,
      {},
    );
    expect(retried.status).toBe(303);
    expect(
      await db.getRepository(ArchiveDeliveryEntity).findOneByOrFail({ id: claimed.id }),
    ).toMatchObject({
      state: 'pending',
      attempts: 0,
    });
    // 再送 of an entry that is not dead (or another municipality's) is a 404
    await reviewer
      .post('/archive/dead-letters', `/archive/deliveries/${claimed.id}/retry`, {})
      .then((r) => expect(r.status).toBe(404));

    const csv = await admin.agent.get('/admin/archive/reconciliation.csv').expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(
      csv.text.startsWith(
        '\uFEFF受付日,接続先,種類,受付件数,送付済み,送付待ち,送付失敗（要対応）,未送付',
      ),
    ).toBe(true);
    expect(csv.text).toMatch(/共有フォルダー,folder,2,0,2,0,2/);
    // the form's blank dates are no bounds; a day that does not exist is a clear 400, as in the audit view
    await admin.agent.get('/admin/archive/reconciliation.csv?from=&to=').expect(200);
    // `to` is inclusive: the days the two records were accepted (Japan time) count them, the day before does not
    const jstDay = (d: Date) => new Date(d.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
    const days = entries.map((e) => jstDay(e.acceptedAt)).sort();
    const bounded = await admin.agent
      .get(`/admin/archive/reconciliation.csv?from=${days[0]}&to=${days[1]}`)
      .expect(200);
    expect(bounded.text).toMatch(/共有フォルダー,folder,2,0,2,0,2/);
    const dayBefore = jstDay(new Date(Date.parse(`${days[0]}T00:00:00+09:00`) - 3600_000));
    const before = await admin.agent
      .get(`/admin/archive/reconciliation.csv?from=${dayBefore}&to=${dayBefore}`)
      .expect(200);
    expect(before.text).not.toContain('共有フォルダー');
    for (const query of ['from=2026-02-31', 'to=2026-02-31', 'from=2026-04-02&to=2026-04-01']) {
      const bad = await admin.agent.get(`/admin/archive/reconciliation.csv?${query}`);
      expect({ query, status: bad.status }).toEqual({ query, status: 400 });
    }
    expect(
      (await admin.agent.get('/admin/archive/reconciliation.csv?from=2026-02-31')).text,
    ).toContain('実在する日付');
  });

  it('固定性チェック on the page: a package changed in the folder is listed with what differs', async () => {
    const folder = join(dir, 'fixity');
    mkdirSync(folder);
    await admin.post('/admin/archive', '/admin/archive/connectors', {
      kind: 'folder',
      name: 'fixity-folder',
      path: folder,
      format: 'directory',
      maxAttempts: '3',
      formIds: 'no-such-form',
    });
    const connector = await db
      .getRepository(ArchiveConnectorEntity)
      .findOneByOrFail({ name: 'fixity-folder' });
    const source = archiveRecord();
    const outbox = app.get(ArchiveOutboxService);
    await db.transaction((em) =>
      outbox.enqueue(em, {
        id: source.record.id,
        municipalityCode: '990019',
        formId: 'no-such-form',
        receiptNumber: source.record.receiptNumber,
      }),
    );
    const [claimed] = (await outbox.claim('test', 50, 60_000)).filter(
      (d) => d.connectorId === connector.id,
    );
    const result = await new FolderTarget(folder).deliver(buildBag(source, claimed.acceptedAt), {
      format: 'directory',
      idempotencyKey: claimed.idempotencyKey,
      retainUntil: null,
    });
    await outbox.markDelivered(claimed, result);
    writeFileSync(
      join(folder, source.record.receiptNumber, 'data', 'document.json'),
      '{"edited":true}',
    );

    const page = await admin.post('/admin/archive', '/admin/archive/fixity', {});
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-fixity-failure="${source.record.receiptNumber}"`);
    expect(page.text).toContain('data/document.json has changed');
    // with a valid CSRF token, the role alone refuses it
    const refused = await reviewer.post('/archive/dead-letters', '/admin/archive/fixity', {});
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('data-fixity-failure');
  });

  it('固定性チェック of an S3 connector: an object changed on the storage server disk is on the page and in the audit log', async () => {
    const s3 = await startS3rver();
    try {
      const settings = {
        endpoint: s3.endpoint,
        region: 'ap-northeast-1',
        bucket: s3.bucket,
        prefix: 'records/',
        accessKeyId: s3.accessKeyId,
      };
      await admin.post('/admin/archive', '/admin/archive/connectors', {
        kind: 's3',
        name: 'fixity-s3',
        ...settings,
        secret: s3.secretAccessKey,
        format: 'tar',
        maxAttempts: '3',
        formIds: 'no-such-form-s3',
      });
      const connector = await db
        .getRepository(ArchiveConnectorEntity)
        .findOneByOrFail({ name: 'fixity-s3' });
      expect(connector.settings).toMatchObject({ bucket: s3.bucket, prefix: 'records/' });
      const source = archiveRecord();
      const outbox = app.get(ArchiveOutboxService);
      await db.transaction((em) =>
        outbox.enqueue(em, {
          id: source.record.id,
          municipalityCode: '990019',
          formId: 'no-such-form-s3',
          receiptNumber: source.record.receiptNumber,
        }),
      );
      const [claimed] = (await outbox.claim('test', 50, 60_000)).filter(
        (d) => d.connectorId === connector.id,
      );
      const result = await new S3Target({
        ...settings,
        secretAccessKey: s3.secretAccessKey,
      }).deliver(buildBag(source, claimed.acceptedAt), {
        format: 'tar',
        idempotencyKey: claimed.idempotencyKey,
        retainUntil: null,
      });
      await outbox.markDelivered(claimed, result);
      // bit rot on the storage server: one byte of the stored object changes, the server notices nothing
      const file = s3.objectFile(`records/${source.record.receiptNumber}.tar`);
      const bytes = readFileSync(file);
      bytes[600] ^= 0x20;
      writeFileSync(file, bytes);

      const page = await admin.post('/admin/archive', '/admin/archive/fixity', {});
      expect(page.status).toBe(200);
      expect(page.text).toContain(`data-fixity-failure="${source.record.receiptNumber}"`);
      expect(page.text).toContain(
        `s3://${s3.bucket}/records/${source.record.receiptNumber}.tar has changed (SHA-256`,
      );
      const audited = await db.getRepository(AuditLogEntity).findBy({
        action: 'archive.fixity_failed',
        targetId: claimed.id,
      });
      expect(audited).toHaveLength(1);
      expect(JSON.parse(audited[0].detail)).toMatchObject({
        receiptNumber: source.record.receiptNumber,
        connector: 'fixity-s3',
        location: `s3://${s3.bucket}/records/${source.record.receiptNumber}.tar`,
        differences: [expect.stringMatching(/has changed \(SHA-256 [0-9a-f]{64}\)$/)],
      });
    } finally {
      await s3.stop();
    }
  });
});
