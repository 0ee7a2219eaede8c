import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ArchiveConnectorsService } from '../apps/backoffice/src/archive/archive-connectors.service';
import { ApplicationIntakeService } from '../apps/backoffice/src/transfer/application-intake.service';
import { sodaiGomiTransfer } from './factories/transfer-application.factory';
import { allRoutes } from './support/backoffice-routes';
import { createStaff, StaffAgent } from './support/staff-agent';
import { startBackoffice } from './support/zones';

jest.setTimeout(120_000);

const DEMO = '990019';
const CHIYODA = '131016';

/** Debian's oathtool: TOTP codes from an implementation independent of the app's (otplib). */
function oathtool(secret: string, offsetSeconds = 0): string {
  const at = new Date(Date.now() + offsetSeconds * 1000).toISOString();
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', at], {
    encoding: 'utf8',
  }).trim();
}

const oneTimePasswordOf = (html: string): string =>
  /<code id="one-time-password">([^<]+)<\/code>/.exec(html)?.[1] ?? '';
const secretOf = (html: string): string =>
  (/<code id="totp-secret">([^<]+)<\/code>/.exec(html)?.[1] ?? '').replace(/\s/g, '');

describe('back office: municipalities, staff accounts and TOTP over HTTP', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let db: DataSource;
  let firstAdminPassword = '';
  let demoApplicationId: string;
  let demoAttachmentId: string;
  const platform = () => new StaffAgent(baseUrl);
  let operator: StaffAgent;
  let chiyodaAdmin: StaffAgent;
  let chiyodaAdminPassword = '';
  let reviewerPassword = '';
  let reviewerId = '';

  const user = async (loginId: string): Promise<Record<string, unknown> | undefined> => {
    const placeholder = db.options.type === 'postgres' ? '$1' : '?';
    const rows = await db.query<Record<string, unknown>[]>(
      `SELECT id, role, is_disabled, password_hash, totp_enabled_at, municipality_code FROM staff_user WHERE login_id = ${placeholder}`,
      [loginId],
    );
    return rows[0];
  };
  const count = async (table: string) =>
    Number((await db.query<{ n: string | number }[]>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-staff-e2e-'));
    ({ app, baseUrl } = await startBackoffice(dir, 'backoffice_staff_e2e', {
      scryptCost: { N: 2 ** 12, r: 8, p: 1 },
      announceFirstAdmin: (_login, password) => {
        firstAdminPassword = password;
      },
    }));
    db = app.get(DataSource);
    const application = sodaiGomiTransfer();
    await app.get(ApplicationIntakeService).store(application);
    const [row] = await db.query<{ id: string }[]>('SELECT id FROM application');
    demoApplicationId = row.id;
    const [attachment] = await db.query<{ id: string }[]>('SELECT id FROM attachment');
    demoAttachmentId = attachment.id;

    operator = platform();
    await operator.login('admin', firstAdminPassword);
    const changed = await operator.post('/password', '/password', {
      current: firstAdminPassword,
      next: 'platform operator passphrase',
      confirmation: 'platform operator passphrase',
    });
    expect(changed.status).toBe(303);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets the platform administrator add a municipality and its first 管理者, refusing bad input', async () => {
    const page = await operator.agent.get('/platform/municipalities').expect(200);
    expect(page.text).toContain(DEMO);
    const add = (fields: Record<string, string>) =>
      operator.post('/platform/municipalities', '/platform/municipalities', {
        code: CHIYODA,
        nameJa: '千代田区',
        nameEn: 'Chiyoda City',
        adminLoginId: 'chiyoda.admin',
        adminDisplayName: '千代田区 情報政策課',
        ...fields,
      });
    const before = {
      municipalities: await count('municipality'),
      staff: await count('staff_user'),
    };

    const badDigit = await add({ code: '131017' });
    expect(badDigit.status).toBe(400);
    expect(badDigit.text).toContain('検査数字');
    expect(badDigit.text).toContain('value="千代田区"'); // what was typed is kept
    for (const code of ['13101', 'abcdef', '481003']) {
      expect((await add({ code })).status).toBe(400);
    }
    const existing = await add({ code: DEMO });
    expect(existing.status).toBe(400);
    expect(existing.text).toContain('すでに登録されています');
    const takenLogin = await add({ adminLoginId: 'admin' });
    expect(takenLogin.status).toBe(400);
    expect(takenLogin.text).toContain('このログインIDはすでに使われています');
    const noName = await add({ nameJa: '  ' });
    expect(noName.status).toBe(400);
    expect(noName.text).toContain('自治体名を');
    // nothing half-made: no municipality without its admin, no admin without its municipality
    expect({
      municipalities: await count('municipality'),
      staff: await count('staff_user'),
    }).toEqual(before);

    const added = await add({});
    expect(added.status).toBe(200);
    expect(added.headers['cache-control']).toContain('no-store');
    chiyodaAdminPassword = oneTimePasswordOf(added.text);
    expect(chiyodaAdminPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(await user('chiyoda.admin')).toMatchObject({
      role: 'admin',
      municipality_code: CHIYODA,
    });
    const list = await operator.agent.get('/platform/municipalities').expect(200);
    expect(list.text).toContain('千代田区');
  });

  it('makes the new 管理者 choose a password that passes the rules, with a Japanese message for each', async () => {
    chiyodaAdmin = new StaffAgent(baseUrl);
    const login = await chiyodaAdmin.login('chiyoda.admin', chiyodaAdminPassword);
    expect(login.headers.location).toBe('/password');
    const hash = (await user('chiyoda.admin'))!.password_hash;
    const attempt = (next: string) =>
      chiyodaAdmin.post('/password', '/password', {
        current: chiyodaAdminPassword,
        next,
        confirmation: next,
      });
    const common = await attempt('password1234');
    expect(common.status).toBe(400);
    expect(common.text).toContain('よく使われていて推測されやすいパスワードです');
    const loginId = await attempt('chiyoda.admin!!');
    expect(loginId.status).toBe(400);
    expect(loginId.text).toContain('ログインIDと同じパスワード');
    const short = await attempt('short one');
    expect(short.status).toBe(400);
    expect(short.text).toContain('12文字以上');
    expect((await user('chiyoda.admin'))!.password_hash).toBe(hash);
    expect((await attempt('千代田区の窓口を守る長い合言葉')).status).toBe(303);
  });

  it('lets a 管理者 add staff with a one-time password, refusing bad input with nothing added', async () => {
    const list = await chiyodaAdmin.agent.get('/admin/staff').expect(200);
    expect(list.text).toContain('chiyoda.admin');
    expect(list.text).not.toContain('>admin<'); // the demo municipality's admin is not listed
    const create = (fields: Record<string, string>) =>
      chiyodaAdmin.post('/admin/staff/new', '/admin/staff', {
        loginId: 'chiyoda.sato',
        displayName: '佐藤 一郎',
        role: 'reviewer',
        ...fields,
      });
    const before = await count('staff_user');
    const cases: Array<[Record<string, string>, string]> = [
      [{ loginId: 'ab' }, 'ログインIDは、半角英数字で始まり'],
      [{ loginId: 'さとう' }, 'ログインIDは、半角英数字で始まり'],
      [{ loginId: 'admin' }, 'このログインIDはすでに使われています'],
      [{ displayName: '' }, '氏名（表示名）を100文字以内で'],
      [{ displayName: 'x'.repeat(101) }, '氏名（表示名）を100文字以内で'],
      [{ role: 'superuser' }, '役割を選んでください'],
    ];
    for (const [fields, message] of cases) {
      const res = await create(fields);
      expect({ fields, status: res.status }).toEqual({ fields, status: 400 });
      expect(res.text).toContain(message);
    }
    expect(await count('staff_user')).toBe(before);

    const created = await create({});
    expect(created.status).toBe(200);
    expect(created.text).toContain('chiyoda.sato');
    const password = oneTimePasswordOf(created.text);
    const row = (await user('chiyoda.sato'))!;
    expect(row).toMatchObject({ role: 'reviewer', municipality_code: CHIYODA });
    reviewerId = String(row.id);
    expect(String(row.password_hash)).not.toContain(password);

    const reviewer = new StaffAgent(baseUrl);
    expect((await reviewer.login('chiyoda.sato', password)).headers.location).toBe('/password');
    reviewerPassword = 'さとうの審査用パスフレーズ';
    const changed = await reviewer.post('/password', '/password', {
      current: password,
      next: reviewerPassword,
      confirmation: reviewerPassword,
    });
    expect(changed.status).toBe(303);
    // a reviewer reaches neither the staff pages nor the platform page, and adds nothing
    for (const path of ['/admin/staff', '/admin/staff/new', `/admin/staff/${reviewerId}`]) {
      expect({ path, status: (await reviewer.agent.get(path)).status }).toEqual({
        path,
        status: 403,
      });
    }
    expect((await reviewer.agent.get('/platform/municipalities')).status).toBe(403);
    const forged = await reviewer.post('/applications', '/admin/staff', {
      loginId: 'sneaky',
      displayName: 'x',
      role: 'admin',
    });
    expect(forged.status).toBe(403);
    const forgedPlatform = await reviewer.post('/applications', '/platform/municipalities', {
      code: '011002',
      nameJa: '札幌市',
      adminLoginId: 'sneaky',
      adminDisplayName: 'x',
    });
    expect(forgedPlatform.status).toBe(403);
    expect(await user('sneaky')).toBeUndefined();
    // a municipality's own 管理者 is not a platform administrator
    expect((await chiyodaAdmin.agent.get('/platform/municipalities')).status).toBe(403);
  });

  it('changes role, disables and enables, resets the password; the last 管理者 cannot demote or disable themselves', async () => {
    const self = String((await user('chiyoda.admin'))!.id);
    const demote = await chiyodaAdmin.post(`/admin/staff/${self}`, `/admin/staff/${self}`, {
      displayName: '千代田区 情報政策課',
      role: 'reviewer',
    });
    expect(demote.status).toBe(400);
    expect(demote.text).toContain('有効な管理者がいなくなるため、変更できません');
    const disableSelf = await chiyodaAdmin.post(
      `/admin/staff/${self}`,
      `/admin/staff/${self}/disable`,
      {},
    );
    expect(disableSelf.status).toBe(400);
    expect(disableSelf.text).toContain('自分のアカウントは無効にできません');
    expect(await user('chiyoda.admin')).toMatchObject({ role: 'admin' });
    expect(Boolean((await user('chiyoda.admin'))!.is_disabled)).toBe(false);

    const toViewer = await chiyodaAdmin.post(
      `/admin/staff/${reviewerId}`,
      `/admin/staff/${reviewerId}`,
      {
        displayName: '佐藤 一郎',
        role: 'viewer',
      },
    );
    expect(toViewer.status).toBe(303);
    expect(await user('chiyoda.sato')).toMatchObject({ role: 'viewer' });

    const reviewer = new StaffAgent(baseUrl);
    expect((await reviewer.login('chiyoda.sato', reviewerPassword)).status).toBe(303);
    await reviewer.agent.get('/applications').expect(200);
    const disabled = await chiyodaAdmin.post(
      `/admin/staff/${reviewerId}`,
      `/admin/staff/${reviewerId}/disable`,
      {},
    );
    expect(disabled.status).toBe(303);
    // the open session ends at once, and the right password no longer logs in
    expect((await reviewer.agent.get('/applications')).headers.location).toBe('/login');
    expect((await new StaffAgent(baseUrl).login('chiyoda.sato', reviewerPassword)).status).toBe(
      401,
    );
    const enabled = await chiyodaAdmin.post(
      `/admin/staff/${reviewerId}`,
      `/admin/staff/${reviewerId}/enable`,
      {},
    );
    expect(enabled.status).toBe(303);
    expect((await new StaffAgent(baseUrl).login('chiyoda.sato', reviewerPassword)).status).toBe(
      303,
    );

    const reset = await chiyodaAdmin.post(
      `/admin/staff/${reviewerId}`,
      `/admin/staff/${reviewerId}/password-reset`,
      {},
    );
    expect(reset.status).toBe(200);
    const oneTime = oneTimePasswordOf(reset.text);
    expect((await new StaffAgent(baseUrl).login('chiyoda.sato', reviewerPassword)).status).toBe(
      401,
    );
    const again = new StaffAgent(baseUrl);
    expect((await again.login('chiyoda.sato', oneTime)).headers.location).toBe('/password');
    reviewerPassword = 'さとうの新しい審査用パスフレーズ';
    await again.post('/password', '/password', {
      current: oneTime,
      next: reviewerPassword,
      confirmation: reviewerPassword,
    });

    // promoted back to reviewer for the rest
    await chiyodaAdmin.post(`/admin/staff/${reviewerId}`, `/admin/staff/${reviewerId}`, {
      displayName: '佐藤 一郎',
      role: 'reviewer',
    });
  });

  it("answers 404 to a 管理者 reaching another municipality's staff account, and changes nothing", async () => {
    const demoAdmin = (await user('admin'))!;
    const id = String(demoAdmin.id);
    expect((await chiyodaAdmin.agent.get(`/admin/staff/${id}`)).status).toBe(404);
    for (const action of ['', '/disable', '/enable', '/password-reset', '/totp-reset']) {
      const res = await chiyodaAdmin.post('/admin/staff', `/admin/staff/${id}${action}`, {
        displayName: 'のっとり',
        role: 'viewer',
      });
      expect({ action, status: res.status }).toEqual({ action, status: 404 });
      expect(res.text).not.toContain(String(demoAdmin.password_hash));
    }
    expect(await user('admin')).toEqual(demoAdmin);
    // the operator's own session still works
    await operator.agent.get('/applications').expect(200);
  });

  it('requires TOTP when the 管理者 turns it on: enrolment with a QR code, codes from oathtool, replay refused', async () => {
    const on = await chiyodaAdmin.post('/admin/staff', '/admin/settings', { isTotpRequired: 'on' });
    expect(on.status).toBe(303);
    // the admin has no TOTP yet: every page leads to the enrolment page until it is set up
    expect((await chiyodaAdmin.agent.get('/applications')).headers.location).toBe('/account/totp');
    const enrol = await chiyodaAdmin.agent.get('/account/totp').expect(200);
    expect(enrol.text).toContain('<svg');
    const adminSecret = secretOf(enrol.text);
    expect(adminSecret).toMatch(/^[A-Z2-7]{32}$/);
    const wrong = await chiyodaAdmin.post('/account/totp', '/account/totp', { code: '12345' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('確認コードが違うか');
    expect((await user('chiyoda.admin'))!.totp_enabled_at).toBeNull();
    const ok = await chiyodaAdmin.post('/account/totp', '/account/totp', {
      code: oathtool(adminSecret),
    });
    expect(ok.status).toBe(303);
    await chiyodaAdmin.agent.get('/admin/staff').expect(200);

    // the reviewer: password, then enrolment
    const reviewer = new StaffAgent(baseUrl);
    expect((await reviewer.login('chiyoda.sato', reviewerPassword)).headers.location).toBe(
      '/applications',
    );
    expect((await reviewer.agent.get('/applications')).headers.location).toBe('/account/totp');
    const secret = secretOf((await reviewer.agent.get('/account/totp')).text);
    expect(
      (await reviewer.post('/account/totp', '/account/totp', { code: oathtool(secret) })).status,
    ).toBe(303);

    // next login: the password, then the code; nothing opens in between
    const second = new StaffAgent(baseUrl);
    const login = await second.login('chiyoda.sato', reviewerPassword);
    expect(login.headers.location).toBe('/login/totp');
    expect((await second.agent.get('/applications')).headers.location).toBe('/login/totp');
    expect((await second.agent.get('/account/totp')).headers.location).toBe('/login/totp');
    const valid = new Set([-30, 0, 30, 60].map((offset) => oathtool(secret, offset)));
    const wrongCode = ['000000', '111111', '222222', '333333', '444444'].find((c) => !valid.has(c));
    const bad = await second.post('/login/totp', '/login/totp', { code: wrongCode! });
    expect(bad.status).toBe(401);
    expect(bad.text).toContain('確認コードが違うか');
    // the enrolment used the current step; the next step's code (within the accepted drift) logs in
    const code = oathtool(secret, 30);
    const passed = await second.post('/login/totp', '/login/totp', { code });
    expect(passed.status).toBe(303);
    expect(passed.headers.location).toBe('/applications');
    await second.agent.get('/applications').expect(200);

    // the same code again, on another login: refused
    const replay = new StaffAgent(baseUrl);
    await replay.login('chiyoda.sato', reviewerPassword);
    const replayed = await replay.post('/login/totp', '/login/totp', { code });
    expect(replayed.status).toBe(401);
    expect((await replay.agent.get('/applications')).headers.location).toBe('/login/totp');

    // the 管理者 resets the reviewer's TOTP (a lost phone): sessions end, enrolment again
    const reset = await chiyodaAdmin.post(
      `/admin/staff/${reviewerId}`,
      `/admin/staff/${reviewerId}/totp-reset`,
      {},
    );
    expect(reset.status).toBe(303);
    expect((await second.agent.get('/applications')).headers.location).toBe('/login');
    const afterReset = new StaffAgent(baseUrl);
    expect((await afterReset.login('chiyoda.sato', reviewerPassword)).headers.location).toBe(
      '/applications',
    );
    expect((await afterReset.agent.get('/applications')).headers.location).toBe('/account/totp');
  });

  it('sends a 監査者 with TOTP to the audit log after the code, as after a password-only login', async () => {
    // TOTP is required in 千代田区 (the test above turned it on)
    const password = '監査担当のための長いパスフレーズ';
    await createStaff(app, password, [
      { loginId: 'chiyoda.kansa', role: 'auditor', municipalityCode: CHIYODA },
    ]);
    const enrolling = new StaffAgent(baseUrl);
    expect((await enrolling.login('chiyoda.kansa', password)).headers.location).toBe('/audit');
    const secret = secretOf((await enrolling.agent.get('/account/totp')).text);
    const enrolled = await enrolling.post('/account/totp', '/account/totp', {
      code: oathtool(secret),
    });
    expect(enrolled.status).toBe(303);

    const auditor = new StaffAgent(baseUrl);
    expect((await auditor.login('chiyoda.kansa', password)).headers.location).toBe('/login/totp');
    const passed = await auditor.post('/login/totp', '/login/totp', {
      code: oathtool(secret, 30),
    });
    expect(passed.status).toBe(303);
    expect(passed.headers.location).toBe('/audit');
    await auditor.agent.get('/audit').expect(200);
    // once logged in, the code page sends them home too
    expect((await auditor.agent.get('/login/totp')).headers.location).toBe('/audit');
  });

  it('answers 404 on every application route to staff of another municipality, and changes nothing', async () => {
    const routes = allRoutes(app).filter((r) => r.path.includes(':'));
    const applicationRoutes = routes.filter((r) => r.path.startsWith('/applications/'));
    // the enumeration is real: the detail, downloads and status change are among them
    expect(applicationRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'GET /applications/:id',
        'GET /applications/:id/attachments/:attachmentId',
        'POST /applications/:id/status',
      ]),
    );
    const demoAdmin = String((await user('admin'))!.id);
    // an archive connector of the demo municipality: its id, not a made-up one, is tried on the connector routes
    const connector = await app.get(ArchiveConnectorsService).save(DEMO, {
      name: 'まどぐち市 文書庫',
      kind: 'folder',
      format: 'directory',
      formIds: [],
      maxAttempts: '5',
      isEnabled: 'on',
      path: join(dir, 'archive'),
    });
    const valueOf = (path: string, param: string): string => {
      if (param === 'attachmentId') {
        return demoAttachmentId;
      }
      if (path.startsWith('/admin/staff/')) {
        return demoAdmin;
      }
      if (path.startsWith('/admin/archive/connectors/')) {
        return connector.id;
      }
      return demoApplicationId;
    };
    const connectorsBefore = await db.query('SELECT * FROM archive_connector');
    const before = await db.query('SELECT * FROM application');
    // the demo municipality's own staff reach the application (the ids are right)
    await operator.agent.get(`/applications/${demoApplicationId}`).expect(200);
    const results: string[] = [];
    for (const route of routes) {
      const url = route.path.replace(/:(\w+)/g, (_m, param: string) => valueOf(route.path, param));
      const res =
        route.method === 'GET'
          ? await chiyodaAdmin.agent.get(url)
          : await chiyodaAdmin.post('/admin/staff', url, {
              status: 'in_review',
              version: '0',
              message: '他自治体からの操作',
              displayName: 'のっとり',
              role: 'viewer',
            });
      results.push(`${route.method} ${route.path} → ${res.status}`);
      expect(res.text).not.toContain('山田');
    }
    expect(results).toEqual(results.map((r) => r.replace(/→ \d+$/, '→ 404')));
    expect(await db.query('SELECT * FROM application')).toEqual(before);
    expect(await db.query('SELECT * FROM archive_connector')).toEqual(connectorsBefore);
  });

  it('assigns 担当課 from the forms of the municipality, and audits every staff change without a password', async () => {
    const create = async (departments: string[]) =>
      operator.agent
        .post('/admin/staff')
        .type('form')
        .send(
          [
            ['loginId', 'demo.kankyo'],
            ['displayName', '環境 花子'],
            ['role', 'reviewer'],
            ...departments.map((d) => ['departments', d]),
          ]
            .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
            .concat(`_csrf=${encodeURIComponent(await operator.csrf('/admin/staff/new'))}`)
            .join('&'),
        );
    const page = await operator.agent.get('/admin/staff/new').expect(200);
    expect(page.text).toContain('value="環境政策課"');
    const before = await count('staff_user');
    const unknown = await create(['環境政策課', '存在しない課']);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('担当課は、一覧にある課から選んでください');
    expect(await count('staff_user')).toBe(before);
    const created = await create(['環境政策課']);
    expect(created.status).toBe(200);
    const oneTime = oneTimePasswordOf(created.text);
    const [row] = await db.query<{ departments: string }[]>(
      `SELECT departments FROM staff_user WHERE login_id = 'demo.kankyo'`,
    );
    expect(JSON.parse(row.departments)).toEqual(['環境政策課']);

    const entries = await db.query<{ action: string; actor_login_id: string; detail: string }[]>(
      'SELECT action, actor_login_id, detail FROM audit_log ORDER BY seq',
    );
    const actions = entries.map((e) => `${e.actor_login_id} ${e.action}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'admin municipality.created',
        'admin staff.created',
        'chiyoda.admin staff.created',
        'chiyoda.admin staff.updated',
        'chiyoda.admin staff.disabled',
        'chiyoda.admin staff.enabled',
        'chiyoda.admin staff.password_reset',
        'chiyoda.admin staff.totp_reset',
        'chiyoda.admin municipality.settings_changed',
        'chiyoda.admin totp.enrolled',
        'chiyoda.sato totp.enrolled',
      ]),
    );
    // refused changes left no entry: one staff.updated (viewer) + one (back to reviewer), not the refused demotion
    expect(actions.filter((a) => a === 'chiyoda.admin staff.updated')).toHaveLength(2);
    const all = JSON.stringify(entries);
    for (const secret of [oneTime, chiyodaAdminPassword, reviewerPassword]) {
      expect(all).not.toContain(secret);
    }
  });
});
