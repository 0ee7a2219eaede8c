/** Full-width digits, letters and symbols to half-width (NFKC), trimmed. Not for names: NFKC rewrites 﨑 to 崎. */
export function toHalfWidth(value: string): string {
  return value.normalize('NFKC').trim();
}

/** Hyphen look-alikes residents type in phone numbers and postal codes (ー, −, ‐, –, —, ―, ｰ). */
const HYPHENS = /[\u2010-\u2015\u2212\u30FC\uFF70\uFE63]/g;

export function normalizeHyphens(value: string): string {
  return value.replace(HYPHENS, '-');
}

/** Readings in katakana: NFKC first (half-width ｶﾅ to full width), then hiragana to katakana, spaces collapsed. */
export function toKatakana(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/[\u3041-\u3096\u309D\u309E]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60))
    .replace(/\s+/g, ' ')
    .trim();
}

export function isKatakana(value: string): boolean {
  return /^[\u30A1-\u30FA\u30FC-\u30FE\u30FB ]+$/.test(value);
}

/** Number of characters as a person counts them (code points, so 𠮷 is one). */
export function characterCount(value: string): number {
  return Array.from(value).length;
}

/** C0/C1 controls other than tab and newline (which a textarea may contain). */
export function hasControlCharacters(value: string, allowNewlines: boolean): boolean {
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    const isAllowed = allowNewlines && (c === 0x09 || c === 0x0a);
    if ((c < 0x20 && !isAllowed) || (c >= 0x7f && c <= 0x9f)) {
      return true;
    }
  }
  return false;
}
