// HTTP GET for status feeds: timeouts on connect, headers and the whole body, a byte cap, conditional
// requests, bounded redirects to http(s) only, credentials from the URL sent as basic auth and kept out of
// every message. Returns bytes; what they mean is the parsers' business. Two transports: undici's
// keep-alive pools (pooled.ts), and node:http one request per connection (one-shot.ts) for URLs whose
// last reply said the server closes. Failures come out as OnairErrors; anything else thrown in here is a
// bug and comes out as it is.
import { onAbort } from '../abort.ts';
import { DEFAULTS, type HttpConfig } from '../config.ts';
import { NetworkError, OnairError, ResponseError, type ErrorCode } from '../errors.ts';
import { basicAuth, parseHttpUrl, redactUrl, redirectTarget, withoutCredentials } from '../url.ts';
import { Cancel, header, type Exchange } from './exchange.ts';
import { networkFailure } from './network-failure.ts';
import { OneShotTransport } from './one-shot.ts';
import { PooledTransport } from './pooled.ts';

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

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** URLs remembered as closing; past this many (stations come and go) the memory starts over. */
const MAX_CLOSING_URLS = 200_000;

/** Which transport a URL's requests take: learnt from its last reply (the default), or always one (tests). */
export type TransportChoice = 'learn' | 'pooled' | 'one-shot';

export class HttpClient {
  private readonly opts: HttpConfig;
  private readonly pooled: PooledTransport;
  private readonly oneShot: OneShotTransport;
  /**
   * URLs whose last reply said the server closes the connection. Kept per URL, not per origin: one host
   * may front servers of both kinds behind paths (a proxy; the bench farm), and a per-origin choice would
   * flip at every reply.
   */
  private readonly closing = new Set<string>();
  /** Bytes of response bodies read, for the benchmark's bytes-per-change. */
  bytesRead = 0;
  /** Requests sent by each transport. */
  readonly sent = { pooled: 0, oneShot: 0 };

  /** The crawler passes its resolved config.http; a one-off client (onair add) overrides a few of the defaults. */
  constructor(
    opts: Partial<HttpConfig> = {},
    private readonly transport: TransportChoice = 'learn',
  ) {
    this.opts = { ...DEFAULTS.http, ...opts };
    this.pooled = new PooledTransport(this.opts, this);
    this.oneShot = new OneShotTransport(this.opts, this);
  }

  async get(url: string, opts: GetOptions = {}): Promise<HttpResponse> {
    // One deadline per request, for all its hops; the caller's signal (shared by every poll) reaches the
    // request through a fan-out, never a listener of its own.
    const cancel = new Cancel();
    const deadline = setTimeout(cancel.expire, this.opts.totalTimeoutMs);
    const unhook = opts.signal ? onAbort(opts.signal, cancel.abort) : undefined;
    try {
      return await this.request(url, opts, cancel);
    } finally {
      clearTimeout(deadline);
      unhook?.();
    }
  }

  private async request(url: string, opts: GetOptions, cancel: Cancel): Promise<HttpResponse> {
    let target = parseHttpUrl(url);
    let auth = basicAuth(target);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': opts.userAgent ?? this.opts.userAgent, accept: '*/*' };
      if (auth) headers.authorization = auth;
      if (hop === 0 && opts.etag) headers['if-none-match'] = opts.etag;
      if (hop === 0 && opts.lastModified) headers['if-modified-since'] = opts.lastModified;
      let res: Exchange;
      try {
        res = await this.exchange(target, headers, cancel);
      } catch (err) {
        throw networkError(err, opts.signal);
      }
      const { status } = res;
      if (REDIRECTS.has(status)) {
        const location = header(res.headers, 'location');
        if (!location) throw new ResponseError('ONAIR_BAD_REDIRECT', `HTTP ${status} without a Location`, status);
        if (hop >= this.opts.maxRedirects) throw new ResponseError('ONAIR_TOO_MANY_REDIRECTS', `more than ${this.opts.maxRedirects} redirects`, status);
        const next = redirectTarget(location, target, status);
        // Credentials go only where the user sent them, never to another origin a redirect names.
        auth = next.username ? basicAuth(next) : next.origin === target.origin ? auth : undefined;
        target = next;
        continue;
      }
      if (status !== 304 && (status < 200 || status > 299)) throw new ResponseError('ONAIR_HTTP_STATUS', `HTTP ${status}`, status);
      return {
        status,
        // A URL parse per response only where there are credentials to strip.
        url: target.username || target.password ? withoutCredentials(target) : target.href,
        contentType: header(res.headers, 'content-type'),
        etag: header(res.headers, 'etag'),
        lastModified: header(res.headers, 'last-modified'),
        body: res.body,
      };
    }
  }

  /** One request and its response, on the transport the URL's last reply asked for. */
  private async exchange(target: URL, headers: Record<string, string>, cancel: Cancel): Promise<Exchange> {
    const key = target.href;
    const wasClosing = this.transport === 'learn' ? this.closing.has(key) : this.transport === 'one-shot';
    if (wasClosing) this.sent.oneShot++;
    else this.sent.pooled++;
    const res = await (wasClosing ? this.oneShot : this.pooled).exchange(target, headers, cancel);
    if (this.transport !== 'learn') return res;
    if (res.closes !== wasClosing) {
      if (res.closes) {
        if (this.closing.size >= MAX_CLOSING_URLS) this.closing.clear();
        this.closing.add(key);
      } else this.closing.delete(key);
    }
    return res;
  }

  async close(): Promise<void> {
    await Promise.all([this.oneShot.close(), this.pooled.close()]);
  }

  /** Drops every connection at once (shutdown with polls in flight). */
  async destroy(): Promise<void> {
    this.oneShot.destroy();
    await this.pooled.destroy();
  }
}

/** undici's timeouts have codes of our own; other network codes stay in the error's `detail`. */
const TIMEOUTS: Record<string, { code: ErrorCode; message: string }> = {
  UND_ERR_CONNECT_TIMEOUT: { code: 'ONAIR_CONNECT_TIMEOUT', message: 'connect timeout' },
  UND_ERR_HEADERS_TIMEOUT: { code: 'ONAIR_HEADERS_TIMEOUT', message: 'headers timeout' },
  UND_ERR_BODY_TIMEOUT: { code: 'ONAIR_BODY_TIMEOUT', message: 'body timeout' },
};

/**
 * Maps what undici, the socket or our own deadline threw to one NetworkError with a short, credential-free
 * message. OnairErrors pass as they are; so does anything that is not a known network failure (a bug).
 */
function networkError(err: unknown, callerSignal?: AbortSignal): unknown {
  if (err instanceof OnairError) return err;
  // Our Cancel's DOMExceptions, and undici's RequestAbortedError (named AbortError too).
  const cancelled = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  const failure = networkFailure(err);
  if (!cancelled && !failure) return err;
  if (callerSignal?.aborted) return new NetworkError('ONAIR_ABORTED', 'aborted', { cause: err });
  if (cancelled || !failure) return new NetworkError('ONAIR_TIMEOUT', 'no complete response in time', { cause: err });
  const timeout = TIMEOUTS[failure.code];
  if (timeout) return new NetworkError(timeout.code, timeout.message, { cause: err });
  return new NetworkError('ONAIR_NETWORK', redactUrl(failure.message), { cause: err, detail: failure.code });
}
