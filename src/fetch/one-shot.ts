// Feed requests to servers that close the connection after each reply — Icecast's status pages and
// SHOUTcast v1's 7.html answer HTTP/1.0 with `Connection: Close` — so each poll of them is a new TCP
// connection whatever the client. undici opens new connections at 4–5k/s on this machine kind where
// node:http opens 13k/s (../shared/deps.md), so these go through node:http, one request per connection
// (an agent without keep-alive), with the pooled transport's timeouts, byte cap and cancel.
import http from 'node:http';
import https from 'node:https';
import type { HttpConfig } from '../config.ts';
import { NetworkError } from '../errors.ts';
import { cachedLookup } from './dns-cache.ts';
import { EMPTY, joinChunks, saysClose, tooLarge, type ByteCounter, type Cancel, type Exchange, type Stoppable } from './exchange.ts';

export class OneShotTransport {
  private readonly httpAgent = noReuse(new http.Agent({ keepAlive: false, maxSockets: Infinity }));
  private readonly httpsAgent = noReuse(new https.Agent({ keepAlive: false, maxSockets: Infinity, maxCachedSessions: 4096 }));
  private readonly lookup = cachedLookup();
  private readonly open = new Set<OneShotRequest>();
  private drained: (() => void) | undefined;

  constructor(
    private readonly opts: HttpConfig,
    private readonly counter: ByteCounter,
  ) {}

  exchange(target: URL, headers: Record<string, string>, cancel: Cancel): Promise<Exchange> {
    return new Promise((resolve, reject) => {
      if (cancel.reason) return void reject(cancel.reason);
      const tls = target.protocol === 'https:';
      const request = (tls ? https : http).request({
        hostname: target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname,
        port: target.port || (tls ? 443 : 80),
        path: target.pathname + target.search,
        method: 'GET',
        // Asked for explicitly (the agent would say `close`): a server that would keep the connection says
        // so in its reply, and the client moves its URL back to the pooled transport. We close it ourselves.
        headers: { ...headers, connection: 'keep-alive' },
        agent: tls ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup,
      });
      const one = new OneShotRequest(request, tls, this.opts, this.counter, cancel, resolve, reject, () => {
        this.open.delete(one);
        if (this.open.size === 0) this.drained?.();
      });
      this.open.add(one);
      request.end();
    });
  }

  /** Lets the requests in flight finish (each has its deadline). */
  async close(): Promise<void> {
    if (this.open.size) await new Promise<void>((resolve) => (this.drained = resolve));
    this.destroy();
  }

  /** Ends every request in flight (shutdown). */
  destroy(): void {
    for (const one of [...this.open]) one.stop(new DOMException('client destroyed', 'AbortError'));
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/**
 * We send `Connection: keep-alive`, so a reply that agrees would hand its socket back to the agent's free
 * list even without keepAlive: refused, every socket goes with its reply.
 */
function noReuse<A extends http.Agent>(agent: A): A {
  agent.keepSocketAlive = () => false;
  return agent;
}

/** One node:http request: connect and header deadlines, a 2xx body up to the byte cap, settles once. */
class OneShotRequest implements Stoppable {
  private timer: NodeJS.Timeout;
  private settled = false;
  private size = 0;
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly request: http.ClientRequest,
    tls: boolean,
    private readonly opts: HttpConfig,
    private readonly counter: ByteCounter,
    private readonly cancel: Cancel,
    private readonly resolve: (exchange: Exchange) => void,
    private readonly reject: (err: unknown) => void,
    private readonly done: () => void,
  ) {
    cancel.exchange = this;
    this.timer = setTimeout(this.connectTimeout, opts.connectTimeoutMs);
    request.on('socket', (socket) => {
      const connected = () => {
        clearTimeout(this.timer);
        if (!this.settled) this.timer = setTimeout(this.headersTimeout, opts.headersTimeoutMs);
      };
      if (tls) socket.once('secureConnect', connected);
      else if (socket.connecting) socket.once('connect', connected);
      else connected();
    });
    request.on('response', this.onResponse);
    request.on('error', (err) => this.fail(err));
  }

  stop(reason: Error): void {
    this.fail(reason);
  }

  private readonly connectTimeout = () => this.fail(new NetworkError('ONAIR_CONNECT_TIMEOUT', 'connect timeout'));
  private readonly headersTimeout = () => this.fail(new NetworkError('ONAIR_HEADERS_TIMEOUT', 'headers timeout'));

  private readonly onResponse = (res: http.IncomingMessage): void => {
    clearTimeout(this.timer);
    // A body cut short (the server went before Content-Length bytes): ECONNRESET "aborted".
    res.on('error', (err) => this.fail(err));
    if (this.settled) return void res.destroy();
    const status = res.statusCode ?? 0;
    const closes = saysClose(res.headers) || (res.httpVersionMajor === 1 && res.httpVersionMinor === 0 && !/keep-alive/i.test(res.headers.connection ?? ''));
    // A body we do not want (a 304's, a redirect's, an error page) is not read: the connection goes anyway.
    if (status < 200 || status > 299) return this.finish(status, res, EMPTY, closes);
    const declared = Number(res.headers['content-length']);
    if (declared > this.opts.maxBytes) return this.fail(tooLarge(this.opts.maxBytes, declared));
    res.on('data', (chunk: Buffer) => {
      if (this.settled) return;
      this.size += chunk.length;
      this.counter.bytesRead += chunk.length;
      if (this.size > this.opts.maxBytes) return this.fail(tooLarge(this.opts.maxBytes));
      this.chunks.push(chunk);
    });
    res.on('end', () => {
      this.finish(status, res, joinChunks(this.chunks, this.size), closes);
    });
  };

  private finish(status: number, res: http.IncomingMessage, body: Uint8Array, closes: boolean): void {
    if (this.settled) return;
    this.settle();
    this.resolve({ status, headers: res.headers, body, closes });
    // No keep-alive here. After a reply that says close, node:http ends and destroys the socket itself;
    // one from a server that would keep it open is hung up on now.
    if (!closes) this.request.destroy();
  }

  private fail(err: Error): void {
    if (this.settled) return;
    this.settle();
    this.reject(err);
    this.request.destroy();
  }

  private settle(): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.chunks.length = 0;
    this.cancel.exchange = undefined;
    this.done();
  }
}
