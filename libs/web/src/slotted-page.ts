import { randomBytes } from 'node:crypto';
import Handlebars from 'handlebars';

/** A slot's value for one request, or a function giving it (called only when the page shows the slot). */
export type SlotValue = string | (() => string);

/**
 * A page rendered once with stand-ins for its per-request values and filled per request: the Handlebars work of a
 * page whose only per-request parts are a few values written with `{{value}}` (the CSRF token, a link) runs once
 * instead of on every request (bench:portal, form page).
 *
 * A slot may only be printed with `{{ }}`: what decides the page's shape (an `{{#if}}`, the language) belongs in the
 * cache key, never in a slot. `build` checks the filled page against a real render with awkward values, so a slot
 * that a helper transforms or a template prints unescaped fails there rather than sending a different page.
 */
export class SlottedPage<S extends string = string> {
  private constructor(
    /** static text; `slots[i]` goes between `parts[i]` and `parts[i + 1]` */
    private readonly parts: readonly string[],
    private readonly slots: readonly S[],
  ) {}

  /**
   * Renders the page through `render` with a stand-in for every slot, then once more with probe values to check
   * that filling gives exactly the page a direct render gives.
   */
  static async build<S extends string>(
    slotNames: readonly S[],
    render: (values: Record<S, string>) => Promise<string>,
  ): Promise<SlottedPage<S>> {
    const nonce = randomBytes(9).toString('hex');
    // letters, digits and dashes only: HTML escaping leaves them as they are
    const standIns = Object.fromEntries(
      slotNames.map((name, i) => [name, `slot-${nonce}-${i}-end`]),
    ) as Record<S, string>;
    const html = await render(standIns);
    const byStandIn = new Map<string, S>(slotNames.map((name) => [standIns[name], name]));
    const parts: string[] = [];
    const slots: S[] = [];
    let last = 0;
    for (const m of html.matchAll(new RegExp(`slot-${nonce}-\\d+-end`, 'g'))) {
      parts.push(html.slice(last, m.index));
      slots.push(byStandIn.get(m[0]) as S);
      last = m.index + m[0].length;
    }
    parts.push(html.slice(last));
    const page = new SlottedPage(parts, slots);

    const probes = Object.fromEntries(
      slotNames.map((name) => [name, `<probe "${name}" & 'x'=\`y\`>`]),
    ) as Record<S, string>;
    const expected = await render(probes);
    if (page.fill(probes) !== expected) {
      throw new Error(
        `SlottedPage: filling [${slotNames.join(', ')}] does not give the rendered page: a slot is transformed, ` +
          'printed unescaped or decides what is shown (that belongs in the cache key)',
      );
    }
    return page;
  }

  /** The page for one request; each value is escaped as `{{value}}` escapes it. */
  fill(values: Record<S, SlotValue>): string {
    const resolved = new Map<S, string>();
    let out = this.parts[0];
    for (let i = 0; i < this.slots.length; i++) {
      const name = this.slots[i];
      let text = resolved.get(name);
      if (text === undefined) {
        const value = values[name];
        text = Handlebars.escapeExpression(typeof value === 'function' ? value() : value);
        resolved.set(name, text);
      }
      out += text + this.parts[i + 1];
    }
    return out;
  }
}

/** SlottedPages by key, each built once (concurrent first requests share the build). */
export class SlottedPageCache<S extends string = string> {
  private readonly pages = new Map<string, Promise<SlottedPage<S>>>();

  constructor(private readonly isEnabled = true) {}

  get(key: string, build: () => Promise<SlottedPage<S>>): Promise<SlottedPage<S>> {
    if (!this.isEnabled) {
      return build();
    }
    let page = this.pages.get(key);
    if (!page) {
      page = build();
      this.pages.set(key, page);
      // a failed build is not kept: the next request tries again and shows the error again
      void page.catch(() => this.pages.delete(key));
    }
    return page;
  }
}
