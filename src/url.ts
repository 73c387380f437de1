// The rules for station URLs, in one place: only http and https, credentials in the URL become basic auth,
// and credentials never reach a message, a log line or a stored URL. A leaf: imports only errors.ts.
import { ConfigError, ResponseError } from './errors.ts';

/** `ref` as a URL (resolved against `base`), or null when it is not one. */
function tryUrl(ref: string | URL, base?: string | URL): URL | null {
  try {
    return new URL(ref, base);
  } catch {
    return null;
  }
}

function isHttp(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}

/** True for an absolute http:// or https:// URL: a station URL is never a file path or another scheme. */
export function isHttpUrl(value: string | URL): boolean {
  const url = tryUrl(value);
  return url !== null && isHttp(url);
}

/** The http(s) URL `ref` names, or a ConfigError ONAIR_BAD_URL (the station's entry is wrong). */
export function parseHttpUrl(ref: string | URL): URL {
  const url = tryUrl(ref);
  if (!url) throw new ConfigError('not a valid URL', 'ONAIR_BAD_URL');
  if (!isHttp(url)) throw new ConfigError(`scheme ${url.protocol} is not http or https`, 'ONAIR_BAD_URL');
  return url;
}

/** Where a redirect's Location (or a playlist entry) points, resolved against `base`; null unless http(s). */
export function resolveHttpUrl(ref: string, base: string | URL | undefined): URL | null {
  const url = tryUrl(ref, base);
  return url && isHttp(url) ? url : null;
}

/** The URL a redirect names, or a ResponseError ONAIR_BAD_REDIRECT (the server's fault, not the entry's). */
export function redirectTarget(location: string, from: URL, status?: number): URL {
  const target = tryUrl(location, from);
  if (!target) throw new ResponseError('ONAIR_BAD_REDIRECT', `${describeUrl(from)} redirects to an invalid URL`, status);
  if (!isHttp(target)) throw new ResponseError('ONAIR_BAD_REDIRECT', `${describeUrl(from)} redirects to ${target.protocol}`, status);
  return target;
}

/** The `Authorization` value for the URL's user:password, or undefined when it has none. */
export function basicAuth(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  return `Basic ${Buffer.from(`${safeDecode(url.username)}:${safeDecode(url.password)}`).toString('base64')}`;
}

/** A stray `%` in a user name is sent as written rather than thrown as a URIError on every poll. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The URL with user:password removed, safe to show, log or store (query kept: it may name the mount). */
export function withoutCredentials(url: URL | string): string {
  const u = new URL(url);
  if (!u.username && !u.password) return u.href;
  u.username = '';
  u.password = '';
  return u.href;
}

/**
 * `http://host:port/path` for messages: no user:password, and no query either, where stream URLs carry
 * listener tokens.
 */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Masks the user:password of every URL in a string (a URL, or a message quoting one: undici's and Node's
 * messages can); anything else is returned as it is. The logger's censor for `url` fields.
 */
export function redactUrl<T>(value: T): T {
  if (typeof value !== 'string') return value;
  // Up to the last `@` before the path, query or fragment, as the URL parser reads it: a password may hold `@`.
  return value.replace(/\/\/[^/?#\s]*@/g, '//***@') as T;
}

/** True for a --db value that names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}
