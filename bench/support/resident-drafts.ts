/**
 * Drafts of the 粗大ごみ form filled up to the confirmation page over plain HTTP, as a resident's browser would
 * leave them: each with its own CSRF cookie and token and its own draft cookie.
 */

export interface PreparedDraft {
  cookie: string;
  body: string;
}

const FORM = '/m/990019/forms/sodai-gomi';

class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';', 1);
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function weekdayAhead(days: number): string {
  const d = new Date(Date.now() + 9 * 3600_000 + days * 86400_000);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) {
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return d.toISOString().slice(0, 10);
}

async function prepareOne(base: string, n: number): Promise<PreparedDraft> {
  const jar = new CookieJar();
  const origin = new URL(base).origin;
  let csrf = '';
  const post = async (path: string, fields: Array<[string, string]>, expected: string) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        'content-type': 'application/x-www-form-urlencoded',
        // as a browser does; the start button (no token on the start page) is checked by it
        origin,
      },
      body: new URLSearchParams([['_csrf', csrf], ...fields]).toString(),
    });
    jar.take(res);
    await res.arrayBuffer();
    const location = res.headers.get('location') ?? '';
    if (res.status !== 303 || !location.endsWith(expected)) {
      throw new Error(`POST ${path}: ${res.status} → ${location || '(no redirect)'}`);
    }
  };
  await post(`${FORM}/start`, [], `${FORM}/steps/1`);
  const step = await fetch(`${base}${FORM}/steps/1`, { headers: { cookie: jar.header() } });
  jar.take(step);
  csrf = /name="_csrf" value="([^"]+)"/.exec(await step.text())?.[1] ?? '';
  if (!csrf) {
    throw new Error(`no CSRF token on ${FORM}/steps/1 (status ${step.status})`);
  }
  await post(
    `${FORM}/steps/1`,
    [
      ['name.family', '山田'],
      ['name.given', `花子${n}`],
      ['name.familyKana', 'ヤマダ'],
      ['name.givenKana', 'ハナコ'],
      ['address.postalCode', '1000001'],
      ['address.text', `まどぐち市本町1-2-${n}`],
      ['tel', '03-1234-5678'],
      ['email', 'hanako@example.jp'],
    ],
    `${FORM}/steps/2`,
  );
  await post(
    `${FORM}/steps/2`,
    [
      ['items', 'tansu'],
      ['items', 'bicycle'],
      ['collectionDate', weekdayAhead(7)],
      ['place', 'door'],
      ['notes', 'たんすは2階にあります。'],
    ],
    `${FORM}/confirm`,
  );
  return { cookie: jar.header(), body: new URLSearchParams({ _csrf: csrf }).toString() };
}

export const SUBMIT_PATH = `${FORM}/submit`;
export const FORM_PAGE_PATH = FORM;

/** `count` drafts, `parallel` residents at a time. */
export async function prepareDrafts(
  base: string,
  count: number,
  parallel = 16,
): Promise<PreparedDraft[]> {
  const drafts: PreparedDraft[] = new Array<PreparedDraft>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < count; i = next++) {
        drafts[i] = await prepareOne(base, i);
      }
    }),
  );
  return drafts;
}
