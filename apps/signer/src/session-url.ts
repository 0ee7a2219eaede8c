import { SignerError, SignerErrorCode } from './signer.error';

export const DEEP_LINK_SCHEME = 'madoguchi-signer:';
export const SESSION_API_PATH = '/api/signer/v1/sessions/';
const FALLBACK_PAGE_PATH = '/s/';
/** A 128-bit random token in base64url or hex (issue 4 §3), with room for longer encodings. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface SessionUrlOptions {
  /** Accept http:// for hosts other than loopback (the token is the only credential: https by default). */
  isInsecureHttpAllowed?: boolean;
}

function invalid(why: string): SignerError {
  return new SignerError(SignerErrorCode.InvalidUrl, why);
}

function parse(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw invalid('not a URL');
  }
}

/**
 * The session API URL from what the QR code or deep link carries: `https://<portal>/s/<token>` (the fallback page),
 * `madoguchi-signer://session?url=<urlencoded session API URL>`, or the session API URL itself.
 * The portal may live under a path prefix; it is kept.
 */
export function toSessionApiUrl(input: string, options: SessionUrlOptions = {}): URL {
  let url = parse(input.trim());
  if (url.protocol === DEEP_LINK_SCHEME) {
    if (url.hostname !== 'session' && url.pathname.replace(/^\/+/, '') !== 'session') {
      throw invalid('the deep link is not madoguchi-signer://session');
    }
    const inner = url.searchParams.get('url');
    if (!inner) {
      throw invalid('the deep link has no url parameter');
    }
    url = parse(inner);
    if (!url.pathname.includes(SESSION_API_PATH)) {
      throw invalid('the deep link does not point at a signer session');
    }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`unsupported scheme ${url.protocol}`);
  }
  if (
    url.protocol === 'http:' &&
    !LOOPBACK.has(url.hostname) &&
    options.isInsecureHttpAllowed !== true
  ) {
    throw invalid(
      'http:// is only accepted for localhost (the session token must not travel in clear)',
    );
  }
  if (url.username || url.password) {
    throw invalid('credentials in the URL');
  }
  const path = url.pathname.replace(/\/+$/, '');
  for (const marker of [SESSION_API_PATH, FALLBACK_PAGE_PATH]) {
    const at = path.lastIndexOf(marker);
    if (at < 0) {
      continue;
    }
    const prefix = path.slice(0, at);
    const token = path.slice(at + marker.length);
    if (!TOKEN.test(token)) {
      throw invalid('the session token is malformed');
    }
    if (prefix.split('/').some((part) => part === '..' || part === '.')) {
      throw invalid('dot segments in the path');
    }
    return new URL(`${url.origin}${prefix}${SESSION_API_PATH}${token}`);
  }
  throw invalid('no session token in the URL');
}
