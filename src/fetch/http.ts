// HTTP GET for status feeds, over undici keep-alive pools: timeouts on connect, headers and the whole body,
// a byte cap, conditional requests, bounded redirects to http(s) only, credentials from the URL sent as
// basic auth and kept out of every message. Returns bytes; what they mean is the parsers' business.
import { Agent, interceptors, type Dispatcher } from 'undici';
import { NetworkError, ResponseError } from '../errors.ts';

export interface HttpOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Deadline for the whole response, head and body: an endless trickle fails too. */
  totalTimeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
  /** Keep-alive connections per origin. */
  connectionsPerOrigin?: number;
}

export interface GetOptions {
  signal?: AbortSignal;
  etag?: string;
  lastModified?: string;
  userAgent?: string;
}

export interface HttpResponse {
  /** 200-299, or 304 when a conditional request found nothing new (then body is empty). */
  status: number;
  /** The final URL after redirects (without credentials). */
  url: string;
  contentType: string | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
  body: Uint8Array;
}

export const DEFAULT_USER_AGENT = 'onair/0.1 (+https://github.com/onair-radio/onair)';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class HttpClient {
  private readonly agent: Dispatcher;
  private readonly opts: Required<Omit<HttpOptions, 'connectionsPerOrigin'>>;
  /** Bytes of response bodies read, for the benchmark's bytes-per-change. */
  bytesRead = 0;

  constructor(opts: HttpOptions = {}) {
    this.opts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      headersTimeoutMs: opts.headersTimeoutMs ?? 10_000,
      totalTimeoutMs: opts.totalTimeoutMs ?? 15_000,
      maxBytes: opts.maxBytes ?? 1024 * 1024,
      maxRedirects: opts.maxRedirects ?? 5,
      userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
    };
    // A DNS cache: thousands of hosts every 10 s would queue on libuv's four resolver threads.
    this.agent = new Agent({
      connect: { timeout: this.opts.connectTimeoutMs, maxCachedSessions: 4096 },
      headersTimeout: this.opts.headersTimeoutMs,
      bodyTimeout: this.opts.totalTimeoutMs,
      connections: opts.connectionsPerOrigin ?? 4,
      keepAliveTimeout: 30_000,
    }).compose(interceptors.dns({ maxTTL: 60_000, dualStack: false }));
  }

  async get(url: string, opts: GetOptions = {}): Promise<HttpResponse> {
    // One controller per request, tied to the caller's signal and a deadline, and untied in `finally`:
    // the caller's signal is shared by thousands of polls, so nothing may stay attached to it.
    const controller = new AbortController();
    const abort = () => controller.abort();
    const deadline = setTimeout(() => controller.abort(new DOMException('deadline', 'TimeoutError')), this.opts.totalTimeoutMs);
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      return await this.request(url, opts, controller.signal);
    } finally {
      clearTimeout(deadline);
      opts.signal?.removeEventListener('abort', abort);
    }
  }

  private async request(url: string, opts: GetOptions, signal: AbortSignal): Promise<HttpResponse> {
    let target = parseHttpUrl(url);
    let auth = basicAuth(target);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': opts.userAgent ?? this.opts.userAgent, accept: '*/*' };
      if (auth) headers.authorization = auth;
      if (hop === 0 && opts.etag) headers['if-none-match'] = opts.etag;
      if (hop === 0 && opts.lastModified) headers['if-modified-since'] = opts.lastModified;
      let res: Dispatcher.ResponseData;
      try {
        res = await this.agent.request({ origin: target.origin, path: target.pathname + target.search, method: 'GET', headers, signal });
      } catch (err) {
        throw networkError(err, opts.signal);
      }
      const { statusCode } = res;
      if (REDIRECTS.has(statusCode)) {
        await drain(res.body, signal);
        const location = header(res.headers, 'location');
        if (!location) throw new ResponseError('ONAIR_BAD_REDIRECT', `HTTP ${statusCode} without a Location`, statusCode);
        if (hop >= this.opts.maxRedirects) throw new ResponseError('ONAIR_TOO_MANY_REDIRECTS', `more than ${this.opts.maxRedirects} redirects`, statusCode);
        const next = parseHttpUrl(location, target);
        // Credentials go only where the user sent them, never to another origin a redirect names.
        auth = next.username ? basicAuth(next) : next.origin === target.origin ? auth : undefined;
        target = next;
        continue;
      }
      const base = {
        // A URL parse per response only where there are credentials to strip.
        url: target.username || target.password ? withoutCredentials(target) : target.href,
        contentType: header(res.headers, 'content-type'),
        etag: header(res.headers, 'etag'),
        lastModified: header(res.headers, 'last-modified'),
      };
      if (statusCode === 304) {
        await drain(res.body, signal);
        return { status: 304, body: new Uint8Array(0), ...base };
      }
      if (statusCode < 200 || statusCode > 299) {
        await drain(res.body, signal);
        throw new ResponseError('ONAIR_HTTP_STATUS', `HTTP ${statusCode}`, statusCode);
      }
      const body = await this.readBody(res, opts.signal);
      return { status: statusCode, body, ...base };
    }
  }

  private async readBody(res: Dispatcher.ResponseData, callerSignal?: AbortSignal): Promise<Uint8Array> {
    const max = this.opts.maxBytes;
    const declared = Number(header(res.headers, 'content-length'));
    if (declared > max) {
      discard(res.body);
      throw new ResponseError('ONAIR_TOO_LARGE', `body of ${declared} bytes is over the ${max}-byte cap`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        this.bytesRead += chunk.length;
        if (size > max) {
          discard(res.body);
          throw new ResponseError('ONAIR_TOO_LARGE', `body is over the ${max}-byte cap`);
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      throw networkError(err, callerSignal);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Drops every pooled connection at once (shutdown with polls in flight). */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }
}

/**
 * Reads to its end a body we do not want (a 304's is empty, a redirect's or an error page's short), so the
 * connection goes back to the pool; past 64 KiB or on abort it is destroyed. Destroying an unread body
 * instead builds an abort error with a stack trace — measured as 4 % of the crawler's CPU, one per 304.
 */
async function drain(body: Dispatcher.ResponseData['body'], signal: AbortSignal): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024, signal });
  } catch {
    // Aborted or reset while draining: the body was unwanted anyway.
  }
}

/** Drops a body we will not read; destroying emits an abort error that must have a listener. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

function parseHttpUrl(url: string, base?: URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    throw new ResponseError('ONAIR_BAD_URL', 'not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ResponseError('ONAIR_BAD_URL', `scheme ${parsed.protocol} is not http or https`);
  return parsed;
}

function basicAuth(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/** The URL with user:password removed, safe to log or store. */
export function withoutCredentials(url: URL | string): string {
  const u = new URL(url.toString());
  u.username = '';
  u.password = '';
  return u.toString();
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const NETWORK_CODES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'ONAIR_CONNECT_TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'ONAIR_HEADERS_TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'ONAIR_BODY_TIMEOUT',
};

/** Maps whatever undici or the socket threw to one NetworkError with a short, credential-free message. */
function networkError(err: unknown, callerSignal?: AbortSignal): NetworkError {
  if (callerSignal?.aborted) return new NetworkError('ONAIR_ABORTED', 'aborted', { cause: err });
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return new NetworkError('ONAIR_TIMEOUT', 'no complete response in time', { cause: err });
  const code = e?.cause?.code ?? e?.code ?? 'ONAIR_NETWORK';
  const mapped = NETWORK_CODES[code] ?? code;
  const message = mapped === code ? `${code}: ${e?.cause?.message ?? e?.message ?? 'network error'}` : mapped.replace('ONAIR_', '').toLowerCase().replaceAll('_', ' ');
  return new NetworkError(mapped, redactMessage(message), { cause: err });
}

function redactMessage(message: string): string {
  return message.replace(/\/\/[^/@\s]*@/g, '//***@');
}
