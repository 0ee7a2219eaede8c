export type Lang = 'ja' | 'en';
export const LANGS: readonly Lang[] = ['ja', 'en'];
export const LANG_COOKIE = 'lang';

export function isLang(value: unknown): value is Lang {
  return value === 'ja' || value === 'en';
}

/** `?lang=` wins (and is remembered in a cookie), then the cookie, then Japanese. */
export function resolveLang(
  query: unknown,
  cookie: string | undefined,
): {
  lang: Lang;
  remember: boolean;
} {
  const fromQuery =
    typeof query === 'object' && query !== null
      ? (query as Record<string, unknown>).lang
      : undefined;
  if (isLang(fromQuery)) {
    return { lang: fromQuery, remember: fromQuery !== cookie };
  }
  return { lang: isLang(cookie) ? cookie : 'ja', remember: false };
}
