import request from 'supertest';
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
