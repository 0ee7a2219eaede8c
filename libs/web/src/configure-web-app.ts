import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { RouteConfig, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import helmet from 'helmet';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { registerHelpers, type DateFormatter, type PageLocals } from './handlebars-helpers';
import { LANG_COOKIE, resolveLang, type Lang } from './language';

declare module 'fastify' {
  interface FastifyRequest {
    /** the page language: ?lang=, then the lang cookie, then Japanese */
    lang: Lang;
  }
  interface FastifyReply {
    /** @fastify/view merges these into every page's context */
    locals: Record<string, unknown> | null;
  }
}

export interface WebAppOptions {
  viewsDir: string;
  /** default: <viewsDir>/layouts (the layout is layouts/main.hbs) */
  layoutsDir?: string;
  /** default: <viewsDir>/partials; every *.hbs there is a partial named after its file */
  partialsDir?: string;
  /** served under /assets/ */
  publicDir: string;
  cookieSecret: string;
  isProduction: boolean;
  /** prefix of this app's own cookies, so two apps on one host (different ports) keep theirs apart */
  cookiePrefix?: string;
  /** POSTs under these path prefixes skip the CSRF check (they authenticate otherwise: HMAC, tokens) */
  csrfExemptPrefixes?: string[];
  /** origins besides the request's own host that count as this app for @OriginChecked() routes (its public URL) */
  trustedOrigins?: string[];
  /** multipart limits; the defaults suit form attachments */
  multipartLimits?: { fileSize?: number; files?: number; fields?: number; fieldSize?: number };
  /**
   * Binds CSRF tokens to something of the request, typically the raw session cookie: a token then only works
   * with the session it was issued to (and tokens issued before login stop working after it).
   */
  csrfUserInfo?: (req: FastifyRequest) => string | undefined;
  /** libs/forms' formatJapaneseDate; Intl's Japanese calendar until then */
  formatJapaneseDate?: DateFormatter;
}

/** URL of the shared stylesheet (design tokens + base styles), for the layouts' <link>. */
export const BASE_CSS_PATH = '/assets/common/base.css';
export const CSRF_FIELD = '_csrf';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function commonAssetsDir(): string {
  // dist/ holds only the compiled JS; the CSS stays in the source tree next to this file.
  const candidates = [
    join(__dirname, 'assets'),
    resolve(__dirname, '../../../../libs/web/src/assets'),
    resolve(process.cwd(), 'libs/web/src/assets'),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'base.css')));
  if (!found) {
    throw new Error(`libs/web assets not found (looked in ${candidates.join(', ')})`);
  }
  return found;
}

/** The Digital Agency design tokens followed by our base styles, one file, built once at start-up. */
export function buildBaseCss(): string {
  const tokens = readFileSync(
    require.resolve('@digital-go-jp/design-tokens/dist/tokens.css'),
    'utf8',
  );
  const base = readFileSync(join(commonAssetsDir(), 'base.css'), 'utf8');
  return `${tokens}\n${base}`;
}

function partialsOf(viewsDir: string, partialsDir: string): Record<string, string> {
  if (!existsSync(partialsDir)) {
    return {};
  }
  const partials: Record<string, string> = {};
  for (const file of readdirSync(partialsDir)) {
    if (file.endsWith('.hbs')) {
      partials[file.slice(0, -'.hbs'.length)] = relative(viewsDir, join(partialsDir, file));
    }
  }
  return partials;
}

/** The same path and query with lang= set to the other language (relative, so it stays on this origin). */
export function switchLangHref(url: string, target: Lang): string {
  const parsed = new URL(url, 'http://localhost');
  parsed.searchParams.set('lang', target);
  return `${parsed.pathname}${parsed.search}`;
}

/** The per-request context configureWebApp gives every page (what reply.view merges in). */
export function pageLocalsOf(reply: FastifyReply): PageLocals {
  const locals = reply.locals as Partial<PageLocals> | null;
  if (!locals?.lang || typeof locals.csrfToken !== 'function') {
    throw new Error('pageLocalsOf: the reply was not prepared by configureWebApp');
  }
  return locals as PageLocals;
}

/** Fastify route config marking a route whose unsafe requests are checked by origin (OriginChecked). */
const ORIGIN_CHECKED = { csrf: 'origin' } as const;

/**
 * Marks a handler whose unsafe requests are checked by origin instead of a CSRF token (isSameOriginRequest): the
 * page that posts to it can then carry no token, be the same bytes for everyone and set no cookie.
 */
export const OriginChecked = () => RouteConfig(ORIGIN_CHECKED);

/**
 * Whether an unsafe request comes from a page of this app, by the headers browsers set and pages cannot forge
 * (OWASP's "verifying origin with standard headers"): `Sec-Fetch-Site` when the browser sends it, else `Origin`,
 * whose host must be the request's own (`requestHost`, which honours trustProxy) or which must be one of
 * `trustedOrigins` (origins: scheme, host and port, as `new URL(x).origin` gives them).
 * A request with neither header is refused: every browser sends Origin on a POST.
 */
export function isSameOriginRequest(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  requestHost: string,
  trustedOrigins: readonly string[] = [],
): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) {
    return site === 'same-origin';
  }
  const origin = headers.origin;
  if (typeof origin !== 'string') {
    return false;
  }
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // includes the opaque origin "null"
  }
  return (
    (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
    (parsed.host === requestHost || trustedOrigins.includes(parsed.origin))
  );
}

/**
 * The headers helmet's middleware sets for this configuration, read once: they do not depend on the request, and
 * calling the Express-style middleware per request cost about 15 µs of a page's 100 (bench:portal).
 */
export function helmetHeaders(middleware: ReturnType<typeof helmet>): Record<string, string> {
  const headers: Record<string, string> = {};
  let failure: Error | undefined;
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name];
    },
  };
  middleware({} as never, res as never, (error?: unknown) => {
    failure = error === undefined ? undefined : new Error(`helmet: ${JSON.stringify(error)}`);
  });
  if (failure) {
    throw failure;
  }
  return headers;
}

function csrfTokenOf(req: FastifyRequest): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const field = body?.[CSRF_FIELD];
  // multipart with attachFieldsToBody gives { value }
  const fromBody =
    typeof field === 'string'
      ? field
      : typeof field === 'object' && field !== null && 'value' in field
        ? String(field.value)
        : undefined;
  const header = req.headers['x-csrf-token'];
  return fromBody ?? (typeof header === 'string' ? header : undefined);
}

/**
 * The shared web setup of the portal and the back office (issue 2 §1, §6): views, cookies, forms, uploads,
 * CSRF on every unsafe request, security headers with a CSP that allows no inline script, static assets and
 * the page language. Call before app.init()/listen().
 */
export async function configureWebApp(
  app: NestFastifyApplication,
  options: WebAppOptions,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const prefix = options.cookiePrefix ? `${options.cookiePrefix}_` : '';
  // @fastify/csrf refuses an empty userInfo; a request without one (before login) gets a fixed stand-in
  const csrfUserInfoOf = (req: FastifyRequest): string => options.csrfUserInfo?.(req) || 'none';
  const exempt = options.csrfExemptPrefixes ?? [];

  // helmet's headers computed once: @fastify/helmet rebuilds its middleware for every request (re-parsing the CSP),
  // which cost about a quarter of a page's time in bench:portal, and even a prebuilt middleware costs 15 %. The headers
  // are the same (configure-web-app.spec compares them with the middleware's on a real request).
  const securityHeaders = helmetHeaders(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          ...(options.isProduction ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: options.isProduction,
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    void reply.headers(securityHeaders);
    done();
  });
  await app.register(fastifyCookie, { secret: options.cookieSecret });
  // Forms (application/x-www-form-urlencoded): NestJS 12's Fastify adapter registers its own parser at init;
  // registering @fastify/formbody as well fails there with "Content type parser already present".
  await app.register(fastifyMultipart, {
    // fields (and the CSRF token) in req.body, so the CSRF check runs before the handler, as for url-encoded forms
    attachFieldsToBody: true,
    limits: {
      fileSize: 10 * 1024 * 1024,
      files: 10,
      fields: 200,
      fieldSize: 100 * 1024,
      ...options.multipartLimits,
    },
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: `${prefix}_csrf`,
    cookieOpts: {
      path: '/',
      sameSite: 'strict',
      httpOnly: true,
      secure: options.isProduction,
      signed: true,
    },
    getToken: csrfTokenOf,
    ...(options.csrfUserInfo
      ? {
          getUserInfo: (req: FastifyRequest) => csrfUserInfoOf(req),
          csrfOpts: {
            hmacKey: createHash('sha256').update(`csrf:${options.cookieSecret}`).digest(),
          },
        }
      : {}),
  });

  const hbs = Handlebars.create();
  registerHelpers(hbs, options.formatJapaneseDate);
  const layoutsDir = options.layoutsDir ?? join(options.viewsDir, 'layouts');
  const layout = join(layoutsDir, 'main.hbs');
  await app.register(fastifyView, {
    engine: { handlebars: hbs },
    root: options.viewsDir,
    viewExt: 'hbs',
    // ENVIRONMENT.md: compiled and cached templates are about 6x faster than reading them per request
    production: options.isProduction,
    ...(existsSync(layout) ? { layout: relative(options.viewsDir, layout) } : {}),
    options: {
      partials: partialsOf(
        options.viewsDir,
        options.partialsDir ?? join(options.viewsDir, 'partials'),
      ),
    },
  });

  await app.register(fastifyStatic, {
    root: resolve(options.publicDir),
    prefix: '/assets/',
    index: false,
    maxAge: options.isProduction ? '1d' : 0,
  });
  const baseCss = buildBaseCss();
  const baseCssEtag = `"${createHash('sha256').update(baseCss).digest('hex').slice(0, 16)}"`;
  fastify.get(BASE_CSS_PATH, (req, reply) => {
    void reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', options.isProduction ? 'public, max-age=86400' : 'no-cache')
      .header('etag', baseCssEtag);
    if (req.headers['if-none-match'] === baseCssEtag) {
      return reply.code(304).send();
    }
    return reply.send(baseCss);
  });

  fastify.decorateRequest('lang', 'ja');
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    const { lang, remember } = resolveLang(req.query, req.cookies[LANG_COOKIE]);
    req.lang = lang;
    if (remember) {
      void reply.setCookie(LANG_COOKIE, lang, {
        path: '/',
        sameSite: 'lax',
        httpOnly: true,
        secure: options.isProduction,
        maxAge: 365 * 24 * 3600,
      });
    }
    let token: string | undefined;
    const locals: PageLocals = {
      lang,
      csrfToken: () =>
        (token ??= reply.generateCsrf(
          options.csrfUserInfo ? { userInfo: csrfUserInfoOf(req) } : undefined,
        )),
      switchLangHref: () => switchLangHref(req.url, lang === 'ja' ? 'en' : 'ja'),
    };
    reply.locals = { ...reply.locals, ...locals };
    done();
  });

  // normalised once (a configured URL may carry a path or a default port): compared per request as origins
  const trustedOrigins = (options.trustedOrigins ?? []).map((url) => new URL(url).origin);
  fastify.addHook('preHandler', (req: FastifyRequest, reply: FastifyReply, done) => {
    const path = req.url.split('?', 1)[0];
    if (!UNSAFE_METHODS.has(req.method) || exempt.some((p) => path.startsWith(p))) {
      done();
      return;
    }
    if ((req.routeOptions.config as { csrf?: string }).csrf === ORIGIN_CHECKED.csrf) {
      done(
        isSameOriginRequest(req.headers, req.host, trustedOrigins)
          ? undefined
          : // shaped like the CSRF plugin's own refusals (FST_CSRF_*, 403), and like an http-errors error for Nest
            Object.assign(new Error('cross-origin request refused'), {
              code: 'FST_CSRF_CROSS_ORIGIN',
              statusCode: 403,
              status: 403,
              expose: true,
            }),
      );
      return;
    }
    fastify.csrfProtection(req, reply, done);
  });
}

export { registerHelpers, localize, intlJapaneseDate } from './handlebars-helpers';
export type { DateFormatter, LocalizedLabel, PageLocals } from './handlebars-helpers';
export { LANG_COOKIE, LANGS, isLang, resolveLang, type Lang } from './language';
