// One raw TCP/TLS connection to a station, with every wait bounded: connect and head deadlines, an
// inactivity timeout, an AbortSignal, and a byte meter. Node errors come out as NetworkError.
// Raw sockets because no Node HTTP client accepts SHOUTcast's `ICY 200 OK` status line.
import net from 'node:net';
import tls from 'node:tls';
import { NetworkError, OnairError } from '../../errors.ts';

/** Returned by read() when no byte arrived within the pause it was given. */
export const PAUSED = Symbol('paused');

/** Counts every byte read, across redirects and playlists. */
export interface ByteMeter {
  bytes: number;
}

export interface WireOptions {
  signal?: AbortSignal;
  connectTimeoutMs: number;
  meter: ByteMeter;
}

/** `http://host:port/path`, never the user:password part — safe for messages and logs. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** What an aborted operation rejects with: the signal's reason when it is an Error (as fetch does). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

export class Wire {
  private readonly chunks: AsyncIterator<Buffer>;
  private pending: Promise<Uint8Array | null> | null = null;
  private idleError: NetworkError | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly socket: net.Socket,
    private readonly where: string,
    private readonly meter: ByteMeter,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.chunks = socket[Symbol.asyncIterator]();
    // One listener for the socket's whole life; read() turns the timeout into that socket's error.
    socket.on('timeout', () => socket.destroy(this.idleError ?? undefined));
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Connects (TLS for https:), resolving once the socket can be written to. */
  static async connect(url: URL, opts: WireOptions): Promise<Wire> {
    opts.signal?.throwIfAborted();
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const https = url.protocol === 'https:';
    const port = Number(url.port) || (https ? 443 : 80);
    const socket = https
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host, port });
    // Errors surface through read(); this listener only keeps an early one from crashing the process.
    socket.on('error', () => {});
    const wire = new Wire(socket, describeUrl(url), opts.meter, opts.signal);
    const cancel = wire.deadline(opts.connectTimeoutMs, 'ONAIR_CONNECT_TIMEOUT', 'connect');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once(https ? 'secureConnect' : 'connect', resolve);
        socket.once('close', () => reject(socket.errored ?? new NetworkError('ECONNRESET', `connection closed by ${wire.where}`)));
      });
    } catch (err) {
      wire.destroy();
      throw wire.translate(err);
    } finally {
      cancel();
    }
    return wire;
  }

  write(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Destroys the socket with a timeout error unless cancelled within ms. */
  deadline(ms: number, code: string, what: string): () => void {
    const timer = setTimeout(() => this.socket.destroy(this.timeoutError(code, what, ms)), ms);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /**
   * Fails the connection when no byte arrives for ms. A socket timeout, not a timer per chunk: Node
   * re-arms one timer on activity, which matters with thousands of live streams.
   */
  setIdle(ms: number, code = 'ONAIR_IDLE_TIMEOUT'): void {
    this.idleError = this.timeoutError(code, 'data', ms);
    this.socket.setTimeout(ms);
  }

  /**
   * The next chunk, or null when the server closed cleanly. With pauseMs: PAUSED when nothing arrived
   * within pauseMs (the chunk still comes with the next call).
   */
  async read(pauseMs?: number): Promise<Uint8Array | null | typeof PAUSED> {
    this.pending ??= this.next();
    const pending = this.pending;
    if (pauseMs === undefined) return this.settle(await pending);
    let timer: NodeJS.Timeout | undefined;
    const paused = new Promise<typeof PAUSED>((resolve) => (timer = setTimeout(resolve, pauseMs, PAUSED)));
    try {
      const result = await Promise.race([pending, paused]);
      return result === PAUSED ? PAUSED : this.settle(result);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the connection (idempotent). */
  destroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.socket.destroy();
  }

  private settle(chunk: Uint8Array | null): Uint8Array | null {
    this.pending = null;
    return chunk;
  }

  private next(): Promise<Uint8Array | null> {
    const p = this.chunks.next().then(
      (r) => {
        if (r.done) return null;
        this.meter.bytes += r.value.length;
        return r.value as Uint8Array;
      },
      (err: unknown) => {
        throw this.translate(err);
      },
    );
    p.catch(() => {}); // a read left pending when the socket is destroyed must not become an unhandled rejection
    return p;
  }

  private readonly onAbort = (): void => {
    this.socket.destroy(abortError(this.signal!));
  };

  /** Node's socket errors (ECONNREFUSED, ECONNRESET, ENOTFOUND, TLS) become NetworkError; ours pass through. */
  private translate(err: unknown): unknown {
    if (this.signal?.aborted) return abortError(this.signal);
    if (err instanceof OnairError) return err;
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') return err;
    if (code === 'ERR_STREAM_PREMATURE_CLOSE') return new NetworkError('ECONNRESET', `connection to ${this.where} closed`, { cause: err });
    return new NetworkError(code, `${code} from ${this.where}`, { cause: err });
  }

  private timeoutError(code: string, what: string, ms: number): NetworkError {
    return new NetworkError(code, `no ${what} from ${this.where} within ${ms} ms`);
  }
}
