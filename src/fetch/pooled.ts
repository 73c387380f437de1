// Feed requests over undici keep-alive pools, one per origin, through its handler API: no body stream, no
// AbortSignal per request, the body collected into an array. For servers that keep the connection.
import { Agent, interceptors, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import type { HttpConfig } from '../config.ts';
import { EMPTY, header, joinChunks, saysClose, tooLarge, type ByteCounter, type Cancel, type Exchange, type Stoppable } from './exchange.ts';

export class PooledTransport {
  private readonly agent: Dispatcher;

  constructor(
    private readonly opts: HttpConfig,
    private readonly counter: ByteCounter,
  ) {
    // A DNS cache: thousands of hosts every 10 s would queue on libuv's four resolver threads.
    this.agent = new Agent({
      connect: { timeout: opts.connectTimeoutMs, maxCachedSessions: 4096 },
      headersTimeout: opts.headersTimeoutMs,
      bodyTimeout: opts.totalTimeoutMs,
      connections: opts.connectionsPerOrigin,
      keepAliveTimeout: 30_000,
    }).compose(interceptors.dns({ maxTTL: 60_000, dualStack: false }));
  }

  /** One request and its response. */
  exchange(target: URL, headers: Record<string, string>, cancel: Cancel): Promise<Exchange> {
    return new Promise((resolve, reject) => {
      if (cancel.reason) return void reject(cancel.reason);
      const request: Dispatcher.DispatchOptions = { origin: target.origin, path: target.pathname + target.search, method: 'GET', headers };
      this.agent.dispatch(request, new BodyCollector(this.counter, this.opts.maxBytes, cancel, resolve, reject));
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async destroy(): Promise<void> {
    await this.agent.destroy();
  }
}

/** Bodies we do not want (a 304's, a redirect's, an error page) are read this far, so the connection is kept. */
const UNWANTED_BODY_LIMIT = 64 * 1024;

/**
 * Collects one response: a 2xx body up to the byte cap, other bodies read and dropped (past 64 KiB the
 * connection is dropped instead). Settles once; whatever undici reports after that is ignored.
 */
class BodyCollector implements Dispatcher.DispatchHandler, Stoppable {
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private wanted = false;
  private size = 0;
  private readonly chunks: Buffer[] = [];
  private settled = false;
  private controller: Dispatcher.DispatchController | undefined;

  constructor(
    private readonly counter: ByteCounter,
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
    if (this.settled) return controller.abort(new DOMException('cancelled', 'AbortError'));
    this.controller = controller;
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.status = status;
    this.headers = headers;
    this.wanted = status >= 200 && status <= 299;
    if (this.wanted && Number(header(headers, 'content-length')) > this.maxBytes)
      this.fail(controller, tooLarge(this.maxBytes, header(headers, 'content-length')));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (!this.wanted) {
      if (this.size > UNWANTED_BODY_LIMIT) this.finish(controller);
      return;
    }
    this.counter.bytesRead += chunk.length;
    if (this.size > this.maxBytes) return this.fail(controller, tooLarge(this.maxBytes));
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
    const body = this.wanted ? joinChunks(this.chunks, this.size) : EMPTY;
    this.release();
    this.resolve({ status: this.status, headers: this.headers, body, closes: saysClose(this.headers) });
    controller?.abort(new DOMException('unwanted body', 'AbortError'));
  }

  /**
   * Lets go of the chunks and of undici's controller once settled: undici keeps this handler reachable for
   * as long as it likes. The chunks are up to the byte cap of socket buffers (160 MB at 20,000 feeds, when
   * a cached error's stack held them); the controller holds the raw headers, each a slice of a 64 KiB read.
   */
  private release(): void {
    this.chunks.length = 0;
    this.controller = undefined;
    this.cancel.exchange = undefined;
  }

  private fail(controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.settled = true;
    this.release();
    this.reject(err);
    controller?.abort(err);
  }
}

