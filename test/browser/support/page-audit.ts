import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';

/** ENVIRONMENT.md §Browser tests: flags that let Debian's chromium run as root without reaching the internet. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Chromium with a fresh profile in `dir` (ENVIRONMENT.md: nothing cached or remembered from an earlier run), in
 * Japanese and Japan time, 1280×800 unless `options` says otherwise; its first page.
 */
export async function openChromium(
  dir: string,
  options: Parameters<typeof chromium.launchPersistentContext>[1] = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    ...options,
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

export interface AxeFinding {
  page: string;
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

export interface PageWeight {
  page: string;
  htmlBytes: number;
  /** the stylesheets the page links, as transferred on a cold load (cached ones counted at their first size) */
  cssBytes: number;
  otherBytes: number;
}

const BLOCKING = new Set(['serious', 'critical']);

/** axe-core's violations on the page as it is now (every rule axe runs by default, WCAG 2.x A/AA included). */
export async function runAxe(page: Page): Promise<axe.Result[]> {
  // The CSP forbids inline scripts; evaluating through the DevTools protocol is not subject to it.
  await page.evaluate(axe.source);
  const result = await page.evaluate<axe.AxeResults>(
    `axe.run(document, { resultTypes: ['violations'] })`,
  );
  return result.violations;
}

/**
 * Watches one browser page as it goes through the portal: every request must stay on the portal's origin, and each
 * visited page is weighed (HTML + CSS), checked with axe-core and photographed.
 */
export class PageAudit {
  readonly foreignRequests: string[] = [];
  readonly findings: AxeFinding[] = [];
  readonly weights: PageWeight[] = [];
  private readonly bytesByUrl = new Map<string, { type: string; bytes: number }>();
  private current: Array<{ url: string; type: string }> = [];
  private shot = 0;

  constructor(
    private readonly page: Page,
    private readonly origin: string,
    private readonly screenshotDir: string,
  ) {
    mkdirSync(screenshotDir, { recursive: true });
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.origin !== origin && url.protocol !== 'data:' && url.protocol !== 'about:') {
        this.foreignRequests.push(req.url());
      }
      this.current.push({ url: req.url(), type: req.resourceType() });
    });
    page.on('requestfinished', (req) => void this.weigh(req));
  }

  private async weigh(req: Request): Promise<void> {
    const sizes = await req.sizes().catch(() => undefined);
    const response = await req.response().catch(() => null);
    if (!sizes || !response) {
      return;
    }
    // A 303 answer has no body worth counting; the page it leads to is weighed on its own.
    if (response.status() >= 300 && response.status() < 400) {
      return;
    }
    const bytes = sizes.responseBodySize + sizes.responseHeadersSize;
    const known = this.bytesByUrl.get(req.url());
    if (!known || known.bytes < bytes) {
      this.bytesByUrl.set(req.url(), { type: req.resourceType(), bytes });
    }
  }

  /** Marks the start of a navigation: the requests from here on belong to the next page. */
  /** One navigation that `go` starts, then check() of the page it landed on. */
  async visit(name: string, go: () => Promise<unknown>): Promise<void> {
    this.beginPage();
    const navigated = this.page.waitForEvent('framenavigated', (f) => f === this.page.mainFrame());
    await go();
    await navigated;
    await this.check(name);
  }

  beginPage(): void {
    this.current = [];
  }

  /** Runs axe-core on the page as it is now, records its weight and takes a full-page screenshot. */
  async check(name: string): Promise<void> {
    await this.page.waitForLoadState('load');
    // Wait until the responses of this page have been weighed (requestfinished is asynchronous).
    await new Promise((r) => setTimeout(r, 100));
    const docUrl = this.page.url();
    const linked = await this.page.evaluate<string[]>(
      `[...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => l.href)`,
    );
    const html =
      this.bytesByUrl.get(docUrl)?.bytes ??
      Buffer.byteLength(await this.page.content(), 'utf8'); /* a POST answered with a page */
    const cssBytes = linked.reduce((sum, href) => sum + (this.bytesByUrl.get(href)?.bytes ?? 0), 0);
    const otherBytes = this.current
      .filter((r) => r.type !== 'document' && r.type !== 'stylesheet')
      .reduce((sum, r) => sum + (this.bytesByUrl.get(r.url)?.bytes ?? 0), 0);
    this.weights.push({ page: name, htmlBytes: html, cssBytes, otherBytes });

    for (const v of await runAxe(this.page)) {
      this.findings.push({
        page: name,
        id: v.id,
        impact: v.impact ?? 'unknown',
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
      });
    }
    this.shot += 1;
    await this.page.screenshot({
      path: join(this.screenshotDir, `${String(this.shot).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
  }

  blocking(): AxeFinding[] {
    return this.findings.filter((f) => BLOCKING.has(f.impact));
  }

  report(): string {
    const lines = ['page weight (bytes transferred, headers included; CSS as on a cold load):'];
    lines.push(
      `  ${'page'.padEnd(22)} ${'HTML'.padStart(7)} ${'CSS'.padStart(7)} ${'other'.padStart(7)} ${'total'.padStart(7)}`,
    );
    for (const w of this.weights) {
      const total = w.htmlBytes + w.cssBytes + w.otherBytes;
      lines.push(
        `  ${w.page.padEnd(22)} ${String(w.htmlBytes).padStart(7)} ${String(w.cssBytes).padStart(7)} ${String(w.otherBytes).padStart(7)} ${String(total).padStart(7)}`,
      );
    }
    lines.push(
      this.findings.length === 0
        ? 'axe-core: no violations on any page'
        : `axe-core: ${this.findings.length} violation(s), ${this.blocking().length} serious or critical:`,
    );
    for (const f of this.findings) {
      lines.push(`  [${f.impact}] ${f.page}: ${f.id}: ${f.help}`);
      for (const n of f.nodes.slice(0, 5)) {
        lines.push(`      ${n.replace(/\s+/g, ' ')}`);
      }
    }
    return lines.join('\n');
  }
}
