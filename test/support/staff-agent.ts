import type { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import type { StaffRole } from '../../apps/backoffice/src/database/entities/staff-user.entity';
import { StaffService } from '../../apps/backoffice/src/staff/staff.service';
import { csrfOf } from './portal-client';

/** A staff member's browser on the back office: keeps cookies and reads the CSRF token of each page. */
export class StaffAgent {
  readonly agent: ReturnType<typeof request.agent>;

  constructor(baseUrl: string) {
    this.agent = request.agent(baseUrl);
  }

  async csrf(path: string): Promise<string> {
    return csrfOf((await this.agent.get(path)).text);
  }

  async login(loginId: string, password: string) {
    const csrf = await this.csrf('/login');
    return this.agent.post('/login').type('form').send({ _csrf: csrf, loginId, password });
  }

  async post(pagePath: string, action: string, fields: Record<string, string>) {
    const csrf = await this.csrf(pagePath);
    return this.agent
      .post(action)
      .type('form')
      .send({ _csrf: csrf, ...fields });
  }
}

/** A staff account a test needs; in the test municipality (990019), with no 担当課, unless it says otherwise. */
export interface TestStaff {
  loginId: string;
  role: StaffRole;
  municipalityCode?: string;
  /** `<loginId> さん` unless given */
  displayName?: string;
  /** 担当課 (the forms' `department.ja`) */
  departments?: string[];
  isPlatformAdmin?: boolean;
}

/** Creates the accounts in the back office `app`, all with `password` and no password change due. */
export async function createStaff(
  app: INestApplicationContext,
  password: string,
  members: readonly TestStaff[],
): Promise<void> {
  const staff = app.get(StaffService);
  for (const m of members) {
    await staff.createUser({
      loginId: m.loginId,
      displayName: m.displayName ?? `${m.loginId} さん`,
      password,
      role: m.role,
      municipalityCode: m.municipalityCode ?? '990019',
      mustChangePassword: false,
      isPlatformAdmin: m.isPlatformAdmin ?? false,
      departments: m.departments ?? [],
    });
  }
}

/** A new browser logged in as `loginId` (the login must succeed: 303). */
export async function loggedIn(
  baseUrl: string,
  loginId: string,
  password: string,
): Promise<StaffAgent> {
  const agent = new StaffAgent(baseUrl);
  expect((await agent.login(loginId, password)).status).toBe(303);
  return agent;
}

/** createStaff, then each member logged in (303) in a browser of their own: the browsers by login id. */
export async function staffAgents(
  app: INestApplicationContext,
  baseUrl: string,
  password: string,
  members: readonly TestStaff[],
): Promise<Record<string, StaffAgent>> {
  await createStaff(app, password, members);
  const agents: Record<string, StaffAgent> = {};
  for (const m of members) {
    agents[m.loginId] = await loggedIn(baseUrl, m.loginId, password);
  }
  return agents;
}
