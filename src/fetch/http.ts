// HTTP GET for status feeds, over undici keep-alive pools: timeouts on connect, headers and the whole body,
// a byte cap, conditional requests, bounded redirects to http(s) only, credentials from the URL sent as
// basic auth and kept out of every message. Returns bytes; what they mean is the parsers' business.
// Failures come out as OnairErrors; anything else thrown in here is a bug and comes out as it is.
import { Agent, interceptors, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { onAbort } from '../abort.ts';
import { DEFAULTS, type HttpConfig } from '../config.ts';
import { NetworkError, OnairError, ResponseError, type ErrorCode } from '../errors.ts';
import { basicAuth, parseHttpUrl, redactUrl, redirectTarget, withoutCredentials } from '../url.ts';
import { networkFailure } from './network-failure.ts';

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

export class HttpClient {
  private readonly agent: Dispatcher;
  private readonly opts: HttpConfig;
  /** Bytes of response bodies read, for the benchmark's bytes-per-change. */
  bytesRead = 0;

  /** The crawler passes its resolved config.http; a one-off client (onair add) overrides a few of the defaults. */
  constructor(opts: Partial<HttpConfig> = {}) {
    this.opts = { ...DEFAULTS.http, ...opts };
    // A DNS cache: thousands of hosts every 10 s would queue on libuv's four resolver threads.
    this.agent = new Agent({
      connect: { timeout: this.opts.connectTimeoutMs, maxCachedSessions: 4096 },
      headersTimeout: this.opts.headersTimeoutMs,
      bodyTimeout: this.opts.totalTimeoutMs,
      connections: this.opts.connectionsPerOrigin,
      keepAliveTimeout: 30_000,
    }).compose(interceptors.dns({ maxTTL: 60_000, dualStack: false }));
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
        res = await this.exchange({ origin: target.origin, path: target.pathname + target.search, method: 'GET', headers }, cancel);
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

  /** One request and its response, through undici's handler API: no stream, no AbortSignal per request. */
  private exchange(request: Dispatcher.DispatchOptions, cancel: Cancel): Promise<Exchange> {
    return new Promise((resolve, reject) => {
      if (cancel.reason) return void reject(cancel.reason);
      this.agent.dispatch(request, new BodyCollector(this, this.opts.maxBytes, cancel, resolve, reject));
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Drops every pooled connection at once (shutdown with polls in flight). */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }
}

interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  /** Empty unless the status is 2xx. */
  body: Uint8Array;
}

/** What cancels a request, from its deadline or the caller: remembers why, and ends the exchange in flight. */
class Cancel {
  reason: Error | undefined;
  exchange: BodyCollector | undefined;

  readonly expire = (): void => this.fire(new DOMException('deadline', 'TimeoutError'));
  readonly abort = (): void => this.fire(new DOMException('aborted', 'AbortError'));

  private fire(reason: Error): void {
    this.reason ??= reason;
    this.exchange?.stop(this.reason);
  }
}

/** Bodies we do not want (a 304's, a redirect's, an error page) are read this far, so the connection is kept. */
const UNWANTED_BODY_LIMIT = 64 * 1024;

/**
 * Collects one response: a 2xx body up to the byte cap, other bodies read and dropped (past 64 KiB the
 * connection is dropped instead). Settles once; whatever undici reports after that is ignored.
 */
class BodyCollector implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private wanted = false;
  private size = 0;
  private readonly chunks: Buffer[] = [];
  private settled = false;
  private controller: Dispatcher.DispatchController | undefined;

  constructor(
    private readonly client: HttpClient,
    private readonly maxBytes: number,
    private readonly cancel: Cancel,
    private readonly resolve: (exchange: Exchange) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    cancel.exchange = this;
  }

  /** Settles at once, also while the request still waits for a connection; aborts it once it has one. */
  stop(reason: Error): void {
    if (this.settled) return;
    this.fail(this.controller, reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new DOMException('cancelled', 'AbortError'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.status = status;
    this.headers = headers;
    this.wanted = status >= 200 && status <= 299;
    if (this.wanted && Number(header(headers, 'content-length')) > this.maxBytes)
      this.fail(controller, new ResponseError('ONAIR_TOO_LARGE', `body of ${header(headers, 'content-length')} bytes is over the ${this.maxBytes}-byte cap`));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (!this.wanted) {
      if (this.size > UNWANTED_BODY_LIMIT) this.finish(controller);
      return;
    }
    this.client.bytesRead += chunk.length;
    if (this.size > this.maxBytes) return this.fail(controller, new ResponseError('ONAIR_TOO_LARGE', `body is over the ${this.maxBytes}-byte cap`));
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.finish(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.release();
    this.reject(err);
  }

  /** Settles with the response; `controller` when the rest of an unwanted body is not worth reading. */
  private finish(controller: Dispatcher.DispatchController | undefined): void {
    if (this.settled) return;
    this.settled = true;
    const { chunks, size } = this;
    const body = !this.wanted || chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    this.release();
    this.resolve({ status: this.status, headers: this.headers, body });
    controller?.abort(new DOMException('unwanted body', 'AbortError'));
  }

  /**
   * Lets go of the chunks once settled: undici's controller, and the stack of an error raised in here, keep
   * this handler reachable for as long as they live (a cached failure: a whole round), and with it up to
   * the byte cap of socket buffers (measured: 160 MB at 20,000 feeds before this).
   */
  private release(): void {
    this.chunks.length = 0;
    this.cancel.exchange = undefined;
  }

  private fail(controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.settled = true;
    this.release();
    this.reject(err);
    controller?.abort(err);
  }
}

const EMPTY = new Uint8Array(0);

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
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
