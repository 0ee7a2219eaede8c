import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { StaffRole } from '../apps/backoffice/src/database/entities/staff-user.entity';
import { ApplicationIntakeService } from '../apps/backoffice/src/transfer/application-intake.service';
import { sodaiGomiTransfer } from './factories/transfer-application.factory';
import { allRoutes } from './support/backoffice-routes';
import { createStaff, StaffAgent } from './support/staff-agent';
import { startBackoffice } from './support/zones';

jest.setTimeout(180_000);

const DEMO = '990019';
const PASSWORD = 'role matrix passphrase 2026';
const ROLES: readonly StaffRole[] = ['admin', 'reviewer', 'viewer', 'auditor'];

const PUBLIC = 'public' as const;
/** the RolesGuard's refusal page (web/error-messages.ts) */
const ROLE_REFUSED = 'この画面・操作は、あなたの役割では利用できません。';
const ALL: readonly StaffRole[] = ROLES;
/** 管理者, 審査者, 閲覧者: the applications and their files */
const READ: readonly StaffRole[] = ['admin', 'reviewer', 'viewer'];
/** 管理者, 審査者: status, assignee, comments, 現況確認, dead letters */
const REVIEW: readonly StaffRole[] = ['admin', 'reviewer'];
const ADMIN: readonly StaffRole[] = ['admin'];

/**
 * The role matrix of apps/backoffice/README.md (「Roles and the audit log」), route by route. `platform`: every role
 * passes the guard, then PlatformService lets only a platform administrator (isPlatformAdmin) in.
 * A route the back office serves and this table does not list fails the test: a new route needs a decision here.
 */
const MATRIX: Record<string, typeof PUBLIC | { roles: readonly StaffRole[]; platform?: true }> = {
  'GET /healthz': PUBLIC,
  'GET /login': PUBLIC,
  'POST /login': PUBLIC,
  'GET /': { roles: ALL },
  'POST /logout': { roles: ALL },
  'GET /password': { roles: ALL },
  'POST /password': { roles: ALL },
  'GET /login/totp': { roles: ALL },
  'POST /login/totp': { roles: ALL },
  'GET /account/totp': { roles: ALL },
  'POST /account/totp': { roles: ALL },
  'GET /applications': { roles: READ },
  'GET /applications/export.csv': { roles: READ },
  'GET /applications/:id': { roles: READ },
  'GET /applications/:id/attachments/:attachmentId': { roles: READ },
  'GET /applications/:id/document.json': { roles: READ },
  'GET /applications/:id/signature.p7s': { roles: READ },
  'GET /applications/:id/record/file': { roles: READ },
  'POST /applications/:id/status': { roles: REVIEW },
  'POST /applications/:id/assignee': { roles: REVIEW },
  'POST /applications/:id/comments': { roles: REVIEW },
  'POST /applications/:id/revocation-check': { roles: REVIEW },
  'GET /admin/staff': { roles: ADMIN },
  'GET /admin/staff/new': { roles: ADMIN },
  'POST /admin/staff': { roles: ADMIN },
  'POST /admin/settings': { roles: ADMIN },
  'GET /admin/staff/:id': { roles: ADMIN },
  'POST /admin/staff/:id': { roles: ADMIN },
  'POST /admin/staff/:id/disable': { roles: ADMIN },
  'POST /admin/staff/:id/enable': { roles: ADMIN },
  'POST /admin/staff/:id/totp-reset': { roles: ADMIN },
  'POST /admin/staff/:id/password-reset': { roles: ADMIN },
  'GET /admin/archive': { roles: ADMIN },
  'POST /admin/archive/connectors': { roles: ADMIN },
  'POST /admin/archive/connectors/:id': { roles: ADMIN },
  'POST /admin/archive/connectors/:id/test': { roles: ADMIN },
  'POST /admin/archive/fixity': { roles: ADMIN },
  'GET /admin/archive/reconciliation.csv': { roles: ADMIN },
  'GET /records/disposal': { roles: ADMIN },
  'POST /records/:recordId/disposal': { roles: ADMIN },
  'GET /archive/dead-letters': { roles: REVIEW },
  'POST /archive/deliveries/:id/retry': { roles: REVIEW },
  'GET /audit': { roles: ['admin', 'auditor'] },
  'GET /platform/municipalities': { roles: ALL, platform: true },
  'POST /platform/municipalities': { roles: ALL, platform: true },
};

describe('back office: every route with every role (the role matrix)', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let applicationId: string;
  let attachmentId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backoffice-roles-e2e-'));
    ({ app, baseUrl } = await startBackoffice(dir, 'backoffice_roles_e2e', {
      scryptCost: { N: 2 ** 12, r: 8, p: 1 },
    }));
    await app.get(ApplicationIntakeService).store(sodaiGomiTransfer());
    const db = app.get(DataSource);
    applicationId = (await db.query<{ id: string }[]>('SELECT id FROM application'))[0].id;
    attachmentId = (await db.query<{ id: string }[]>('SELECT id FROM attachment'))[0].id;
    await createStaff(
      app,
      PASSWORD,
      ROLES.flatMap((role) =>
        [false, true].map((isPlatformAdmin) => ({
          loginId: `${isPlatformAdmin ? 'platform' : 'matrix'}.${role}`,
          displayName: `${role} さん`,
          role,
          municipalityCode: DEMO,
          isPlatformAdmin,
          // 粗大ごみ収集申込's department (担当課): the reviewer may act on the test application
          departments: role === 'reviewer' ? ['環境政策課'] : [],
        })),
      ),
    );
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const loggedIn = async (loginId: string): Promise<StaffAgent> => {
    const agent = new StaffAgent(baseUrl);
    const res = await agent.login(loginId, PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).not.toBe('/login');
    return agent;
  };

  it('lists exactly the routes the back office serves', () => {
    const served = allRoutes(app).map((r) => `${r.method} ${r.path}`);
    expect(new Set(served).size).toBe(served.length);
    // a served route missing from MATRIX, or a MATRIX route no longer served, shows here
    expect([...served].sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it('answers every route for anonymous and each role as the matrix says', async () => {
    const routes = allRoutes(app);
    const urlOf = (path: string) =>
      path.replace(/:(\w+)/g, (_m, param: string) =>
        param === 'attachmentId'
          ? attachmentId
          : path.startsWith('/applications/')
            ? applicationId
            : randomUUID(),
      );
    const send = async (
      agent: StaffAgent,
      csrfPage: string,
      method: 'GET' | 'POST',
      url: string,
    ) =>
      method === 'GET'
        ? agent.agent.get(url)
        : agent.post(csrfPage, url, { garbage: '\u0000<script>', version: 'x' });

    const seen: string[] = [];
    const wrong: string[] = [];
    // anonymous: the login page, except the public routes
    const anonymous = new StaffAgent(baseUrl);
    for (const route of routes) {
      const expected = MATRIX[`${route.method} ${route.path}`];
      const res = await send(anonymous, '/login', route.method, urlOf(route.path));
      // the session guard sends a visitor without a session to the login page, whatever the method
      const toLogin = res.status === 303 && res.headers.location === '/login';
      // a public route answers by itself (POST /login with no credentials: 401 and the login page again)
      const ok = expected === PUBLIC ? !toLogin && res.status !== 403 && res.status < 500 : toLogin;
      seen.push(`anonymous ${route.method} ${route.path} → ${res.status}`);
      if (!ok) {
        wrong.push(
          `anonymous ${route.method} ${route.path} → ${res.status} ${res.headers.location ?? ''}`,
        );
      }
    }
    for (const role of ROLES) {
      const agents = {
        staff: await loggedIn(`matrix.${role}`),
        platform: await loggedIn(`platform.${role}`),
      };
      for (const route of routes) {
        const expected = MATRIX[`${route.method} ${route.path}`];
        if (expected === undefined) {
          continue; // the first test names it
        }
        // a platform route is tried both by a platform administrator and by a plain member of the role
        for (const flavour of expected !== PUBLIC && expected.platform
          ? (['staff', 'platform'] as const)
          : (['staff'] as const)) {
          const res = await send(agents[flavour], '/password', route.method, urlOf(route.path));
          const allowed =
            expected === PUBLIC ||
            (expected.roles.includes(role) && (!expected.platform || flavour === 'platform'));
          // refused by the RolesGuard (its message, not a CSRF 403), or by PlatformService for a platform route
          const refused =
            res.status === 403 &&
            (res.text.includes(ROLE_REFUSED) ||
              (expected !== PUBLIC && expected.platform === true));
          const ok = allowed ? res.status !== 403 && res.status < 500 : refused;
          const who = flavour === 'platform' ? `platform.${role}` : `matrix.${role}`;
          seen.push(`${who} ${route.method} ${route.path} → ${res.status}`);
          if (!ok) {
            wrong.push(
              `${who} ${route.method} ${route.path} → ${res.status} (${allowed ? 'allowed' : 'refused'})`,
            );
          }
          if (route.method === 'POST' && route.path === '/logout') {
            agents[flavour] = await loggedIn(
              flavour === 'platform' ? `platform.${role}` : `matrix.${role}`,
            );
          }
        }
        // still logged in after every request (a session lost on the way would turn refusals into redirects)
      }
      expect((await agents.staff.agent.get('/password')).status).toBe(200);
    }
    // the sweep is real: every route was tried by anonymous and by each role
    expect(seen.length).toBeGreaterThanOrEqual(routes.length * (1 + ROLES.length));
    expect(wrong).toEqual([]);
  });
});
