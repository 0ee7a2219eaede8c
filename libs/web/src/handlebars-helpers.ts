import type { HelperOptions } from 'handlebars';
import Handlebars from 'handlebars';
import { isLang, type Lang } from './language';

export interface LocalizedLabel {
  ja: string;
  en?: string;
}

/** What every page's context carries (set per request by configureWebApp through reply.locals). */
export interface PageLocals {
  lang: Lang;
  /** lazily creates the CSRF token (and its secret cookie) for the current request */
  csrfToken: () => string;
  /** the current page in the other language, its query kept: `{{switchLangHref}}` */
  switchLangHref: () => string;
}

export type DateFormatter = (isoDate: string) => string;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Building an Intl.DateTimeFormat costs about a millisecond (a list of 50 rows paid it 50 times): built once. */
const DATE_TIME_FORMATS = new Map<string, Intl.DateTimeFormat>();
function dateTimeFormat(locale: string): Intl.DateTimeFormat {
  let format = DATE_TIME_FORMATS.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone: 'Asia/Tokyo',
    });
    DATE_TIME_FORMATS.set(locale, format);
  }
  return format;
}

/** Fallback until the app passes the forms lib's formatter: Intl's Japanese calendar (令和7年5月1日). */
export const intlJapaneseDate: DateFormatter = (iso) => {
  const date = parseDate(iso);
  if (!date) {
    return iso;
  }
  return new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
    era: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: DATE_ONLY.test(iso) ? 'UTC' : 'Asia/Tokyo',
  }).format(date);
};

function parseDate(iso: string): Date | undefined {
  const m = DATE_ONLY.exec(iso);
  const date = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function langOf(options: HelperOptions): Lang {
  const root = (options.data as { root?: { lang?: unknown } } | undefined)?.root;
  return isLang(root?.lang) ? root.lang : 'ja';
}

function isLabel(value: unknown): value is LocalizedLabel {
  return (
    typeof value === 'object' && value !== null && typeof (value as LocalizedLabel).ja === 'string'
  );
}

/** Picks the request language's text, falling back to Japanese (the authoritative text). */
export function localize(value: unknown, lang: Lang): string {
  if (isLabel(value)) {
    return lang === 'en' && value.en ? value.en : value.ja;
  }
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Helpers for every app. None returns markup built from data except through Handlebars.escapeExpression,
 * so `{{ }}` stays the only way values reach a page. No helper inlines data into a script.
 */
export function registerHelpers(
  hbs: typeof Handlebars,
  formatJapaneseDate: DateFormatter = intlJapaneseDate,
): void {
  // {{t label}} with label = { ja, en } or {{t ja="…" en="…"}}
  hbs.registerHelper('t', function (this: unknown, ...args: unknown[]) {
    const options = args.pop() as HelperOptions;
    const lang = langOf(options);
    const value = args.length > 0 ? args[0] : (options.hash as LocalizedLabel);
    return localize(value, lang);
  });

  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

  // {{eraDate "2025-05-01"}}: 令和7年5月1日 in Japanese, 1 May 2025 in English
  hbs.registerHelper('eraDate', (value: unknown, options: HelperOptions) => {
    if (typeof value !== 'string' || value === '') {
      return '';
    }
    if (langOf(options) === 'ja') {
      return formatJapaneseDate(value);
    }
    const date = parseDate(value);
    return date
      ? new Intl.DateTimeFormat('en-GB', {
          dateStyle: 'long',
          timeZone: DATE_ONLY.test(value) ? 'UTC' : 'Asia/Tokyo',
        }).format(date)
      : value;
  });

  // {{dateTime iso}}: a timestamp in Japan time, with the era in Japanese
  hbs.registerHelper('dateTime', (value: unknown, options: HelperOptions) => {
    const date =
      value instanceof Date ? value : typeof value === 'string' ? parseDate(value) : undefined;
    if (!date) {
      return '';
    }
    return dateTimeFormat(langOf(options) === 'ja' ? 'ja-JP-u-ca-japanese' : 'en-GB').format(date);
  });

  // {{csrfField}}: the hidden input every form carries (@fastify/csrf-protection, double submit)
  hbs.registerHelper('csrfField', (options: HelperOptions) => {
    const root = (options.data as { root?: Partial<PageLocals> } | undefined)?.root;
    if (typeof root?.csrfToken !== 'function') {
      throw new Error('csrfField used outside a request rendered through configureWebApp');
    }
    const token = hbs.escapeExpression(root.csrfToken());
    return new hbs.SafeString(`<input type="hidden" name="_csrf" value="${token}">`);
  });
}
