import { Body, Controller, Get, Module, Post, Query, Render } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import {
  BASE_CSS_PATH,
  configureWebApp,
  isSameOriginRequest,
  OriginChecked,
} from './configure-web-app';

@Controller()
class PageController {
  @Get('page')
  @Render('page')
  page(@Query('q') q?: string) {
    return { label: { ja: '申請', en: 'Application' }, q: q ?? '', date: '2025-05-01' };
  }

  @Post('submit')
  submit(@Body() body: Record<string, string>) {
    return { ok: true, name: body.name };
  }

  @Post('api/hook')
  hook() {
    return { ok: true };
  }

  @Post('begin')
  @OriginChecked()
  begin() {
    return { begun: true };
  }
}

@Module({ controllers: [PageController] })
class TestModule {}

function cookiesOf(res: request.Response): string[] {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  return (raw ?? []).map((c) => c.split(';')[0]);
}

describe('configureWebApp', () => {
  let sut: NestFastifyApplication;

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'web-'));
    const views = join(root, 'views');
    mkdirSync(join(views, 'layouts'), { recursive: true });
    mkdirSync(join(views, 'partials'), { recursive: true });
    mkdirSync(join(root, 'public'));
    writeFileSync(join(root, 'public', 'app.js'), 'console.log(1);');
    writeFileSync(
      join(views, 'layouts', 'main.hbs'),
      '<html lang="{{lang}}"><body>{{> banner}}{{{body}}}</body></html>',
    );
    writeFileSync(
      join(views, 'partials', 'banner.hbs'),
      '<header>{{t ja="窓口" en="Counter"}}</header>',
    );
    writeFileSync(
      join(views, 'page.hbs'),
      '<h1>{{t label}}</h1><p id="q">{{q}}</p><p id="d">{{eraDate date}}</p><form method="post">{{csrfField}}</form>{{#if (eq lang "en")}}EN{{/if}}<a id="switch" href="{{switchLangHref}}">',
    );
    sut = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), {
      logger: false,
    });
    await configureWebApp(sut, {
      viewsDir: views,
      publicDir: join(root, 'public'),
      cookieSecret: 's'.repeat(32),
      isProduction: false,
      cookiePrefix: 'test',
      csrfExemptPrefixes: ['/api/'],
      trustedOrigins: ['https://shinsei.example.lg.jp'],
    });
    await sut.init();
    await sut.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await sut.close();
  });

  it('renders Japanese by default, with the layout, partials and era dates', async () => {
    const res = await request(sut.getHttpServer()).get('/page').expect(200);
    expect(res.text).toContain('<html lang="ja">');
    expect(res.text).toContain('<header>窓口</header>');
    expect(res.text).toContain('<h1>申請</h1>');
    expect(res.text).toContain('令和7年5月1日');
    expect(res.text).not.toContain('EN');
  });

  it('switches to English with ?lang=en and remembers it in a cookie', async () => {
    const res = await request(sut.getHttpServer()).get('/page?lang=en').expect(200);
    expect(res.text).toContain('<h1>Application</h1>');
    expect(res.text).toContain('1 May 2025');
    expect(cookiesOf(res)).toContain('lang=en');
    const again = await request(sut.getHttpServer()).get('/page').set('Cookie', 'lang=en');
    expect(again.text).toContain('<header>Counter</header>');
  });

  it('links the other language on the same page, keeping the query', async () => {
    const res = await request(sut.getHttpServer()).get('/page?q=a%26b&lang=ja');
    expect(res.text).toContain('<a id="switch" href="/page?q&#x3D;a%26b&amp;lang&#x3D;en">');
  });

  it('escapes every value', async () => {
    const res = await request(sut.getHttpServer()).get('/page').query({ q: '<script>x</script>' });
    expect(res.text).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(res.text).not.toContain('<script>x');
  });

  it('sends a CSP without inline script and the other security headers', async () => {
    const res = await request(sut.getHttpServer()).get('/page');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it("sends exactly helmet's security headers, on pages, assets and 404s alike", async () => {
    const expected = {
      'content-security-policy':
        "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';" +
        "connect-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none';object-src 'none'",
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'same-origin',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };
    for (const path of ['/page', '/assets/app.js', '/no-such-page']) {
      const res = await request(sut.getHttpServer()).get(path);
      expect(res.headers).toMatchObject(expected);
      // not in development (isProduction: false)
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('refuses a POST without a CSRF token and accepts one with the token of its form', async () => {
    const server = sut.getHttpServer();
    await request(server).post('/submit').type('form').send({ name: 'a' }).expect(403);
    const page = await request(server).get('/page');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    expect(token).toBeDefined();
    const cookies = cookiesOf(page);
    expect(cookies.some((c) => c.startsWith('test__csrf='))).toBe(true);
    await request(server)
      .post('/submit')
      .set('Cookie', cookies)
      .type('form')
      .send({ name: 'a', _csrf: 'x'.repeat(20) })
      .expect(403);
    const ok = await request(server)
      .post('/submit')
      .set('Cookie', cookies)
      .type('form')
      .send({ name: 'a', _csrf: token })
      .expect(201);
    expect(ok.body).toEqual({ ok: true, name: 'a' });
  });

  it('checks origin-checked paths by Sec-Fetch-Site or Origin instead of a token', async () => {
    const server = sut.getHttpServer();
    const begin = (headers: Record<string, string>) => {
      const req = request(server).post('/begin').type('form').send({});
      for (const [k, v] of Object.entries(headers)) {
        void req.set(k, v);
      }
      return req;
    };
    // refused: no header at all, another site, an opaque origin, a sibling site, a lying Origin beside the fetch metadata
    const refused: Array<Record<string, string>> = [
      {},
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { Host: 'madoguchi.test:8080', Origin: 'http://madoguchi.test' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site', Origin: 'https://shinsei.example.lg.jp' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://shinsei.example.lg.jp' },
    ];
    for (const headers of refused) {
      const res = await begin(headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      expect(res.text).not.toContain('begun');
    }
    // accepted without a token: the browser says same-origin, or the Origin is this host or the public URL
    const accepted: Array<Record<string, string>> = [
      { 'Sec-Fetch-Site': 'same-origin' },
      { Host: 'madoguchi.test:8080', Origin: 'http://madoguchi.test:8080' },
      { Origin: 'https://shinsei.example.lg.jp' },
    ];
    for (const headers of accepted) {
      const res = await begin(headers);
      expect({ headers, status: res.status, body: res.body as unknown }).toEqual({
        headers,
        status: 201,
        body: { begun: true },
      });
    }
    // other unsafe routes still need their token, whatever the Origin
    await request(server)
      .post('/submit')
      .set('Host', 'madoguchi.test:8080')
      .set('Origin', 'http://madoguchi.test:8080')
      .set('Sec-Fetch-Site', 'same-origin')
      .type('form')
      .send({ name: 'a' })
      .expect(403);
  });

  it('lets exempt prefixes through without a token', async () => {
    await request(sut.getHttpServer()).post('/api/hook').send({}).expect(201);
  });

  it('serves the design tokens with the base styles, and the public folder under /assets', async () => {
    const css = await request(sut.getHttpServer()).get(BASE_CSS_PATH).expect(200);
    expect(css.headers['content-type']).toContain('text/css');
    expect(css.text).toContain('--color-primitive-blue-900');
    expect(css.text).toContain(':focus-visible');
    await request(sut.getHttpServer()).get('/assets/app.js').expect(200);
  });
});

describe('isSameOriginRequest', () => {
  const host = 'shinsei.example.lg.jp';
  it.each([
    [{ 'sec-fetch-site': 'same-origin' }, true],
    [{ 'sec-fetch-site': 'same-site' }, false],
    [{ 'sec-fetch-site': 'none' }, false],
    [{ 'sec-fetch-site': 'cross-site', origin: `https://${host}` }, false],
    [{ origin: `https://${host}` }, true],
    [{ origin: `http://${host}` }, true],
    [{ origin: `https://${host}:8443` }, false],
    [{ origin: `https://evil.${host}` }, false],
    [{ origin: `ftp://${host}` }, false],
    [{ origin: 'null' }, false],
    [{ origin: 'not a url' }, false],
    [{ referer: `https://${host}/m/1` }, false],
    [{}, false],
  ])('%j → %s', (headers, expected) => {
    expect(isSameOriginRequest(headers, host)).toBe(expected);
  });

  it('accepts a trusted public origin that is not the request host (behind a proxy), scheme and port included', () => {
    const trusted = ['https://shinsei.example.lg.jp'];
    expect(
      isSameOriginRequest({ origin: 'https://shinsei.example.lg.jp' }, '10.0.0.5:3000', trusted),
    ).toBe(true);
    expect(
      isSameOriginRequest({ origin: 'http://shinsei.example.lg.jp' }, '10.0.0.5:3000', trusted),
    ).toBe(false);
    expect(
      isSameOriginRequest(
        { origin: 'https://shinsei.example.lg.jp:444' },
        '10.0.0.5:3000',
        trusted,
      ),
    ).toBe(false);
  });
});
