import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, ensureBuilt, freePort, REPO_ROOT, snapshotDist } from './support/app-process';
import { queryDatabase } from './support/database-inspect';
import { StaffAgent } from './support/staff-agent';
import { testDatabaseUrl } from './support/test-database';

jest.setTimeout(180_000);

const BACKOFFICE_ENTRY = 'dist/apps/backoffice/src/main.js';
const PASSWORD_LINE = /one-time password:\s+(\S+)/g;

/**
 * Two back-office processes started at the same moment on one new database (as two instances behind a load
 * balancer on their first deployment): both must come up, with exactly one first IT-admin account and exactly one
 * one-time password printed, by whichever made the account.
 */
describe(`first start of two back-office processes on one new database (${process.env.TEST_POSTGRES_URL ? 'PostgreSQL' : 'SQLite'})`, () => {
  let dir: string;
  let root: string;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    ensureBuilt([BACKOFFICE_ENTRY]);
    dir = mkdtempSync(join(tmpdir(), 'bo-first-start-'));
    root = await snapshotDist(dir);
  });

  afterEach(async () => {
    for (const app of running.splice(0)) {
      if (app.isRunning) {
        await app.stop();
      }
    }
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const round of [1, 2]) {
    it(`round ${round}: one admin, one password, both processes serving`, async () => {
      const url = await testDatabaseUrl(`bo_first_start_${round}`, dir);
      const apps = await Promise.all(
        ['a', 'b'].map(async (name) => {
          const port = await freePort();
          return new AppProcess(
            `backoffice-${name}`,
            root,
            BACKOFFICE_ENTRY,
            `http://127.0.0.1:${port}`,
            {
              BACKOFFICE_PORT: String(port),
              BACKOFFICE_DATABASE_URL: url,
              BACKOFFICE_DATA_DIR: join(dir, `data-${round}`),
              PORTAL_TRANSFER_URL: 'http://127.0.0.1:9',
              PULL_INTERVAL_MS: '3600000',
              FORMS_DIR: join(REPO_ROOT, 'test/fixtures/forms'),
            },
            /back office: http/,
          );
        }),
      );
      running.push(...apps);
      for (const app of apps) {
        app.spawn();
      }
      await Promise.all(apps.map((app) => app.waitHealthy(60_000)));

      const printed = apps.flatMap((app) => [...app.log.matchAll(PASSWORD_LINE)].map((m) => m[1]));
      expect(printed).toHaveLength(1);
      const admins = await queryDatabase<{ login_id: string }>(
        url,
        'SELECT login_id FROM staff_user',
      );
      expect(admins).toEqual([{ login_id: 'admin' }]);
      // the printed password is the account's: it logs in on either process (first login: change it)
      for (const app of apps) {
        const login = await new StaffAgent(app.baseUrl).login('admin', printed[0]);
        expect(login.status).toBe(303);
        expect(login.headers.location).toBe('/password');
      }
    });
  }
});
