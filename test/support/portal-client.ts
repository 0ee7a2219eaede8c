import request from 'supertest';

/** A resident's browser over real HTTP: keeps cookies, reads the CSRF token from each page. */
export class ResidentAgent {
  readonly agent: ReturnType<typeof request.agent>;
  /** what a browser sends as Origin on this site's forms (a form's start button is checked by it) */
  private readonly origin: string;

  constructor(baseUrl: string) {
    this.agent = request.agent(baseUrl);
    this.origin = new URL(baseUrl).origin;
  }

  async page(path: string): Promise<{ status: number; text: string; csrf: string }> {
    const res = await this.agent.get(path);
    return { status: res.status, text: res.text, csrf: csrfOf(res.text) };
  }

  /** GET the page, then POST a url-encoded form with its CSRF token. */
  async submit(pagePath: string, action: string, fields: Record<string, string | string[]>) {
    const { csrf } = await this.page(pagePath);
    return this.agent
      .post(action)
      .set('Origin', this.origin)
      .type('form')
      .send({ _csrf: csrf, ...fields });
  }
}

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  return m ? m[1] : '';
}
