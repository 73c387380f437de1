// One raw TCP/TLS connection to a station, with every wait bounded: connect and head deadlines, an
// inactivity timeout, an AbortSignal, and a byte meter. The socket's errors come out as NetworkError; what
// else fails a wire (a reader's OnairError, a bug) comes out as it is.
// Raw sockets because no Node HTTP client accepts SHOUTcast's `ICY 200 OK` status line.
import net from 'node:net';
import tls from 'node:tls';
import { NetworkError, OnairError, type ErrorCode } from '../../errors.ts';
import { onAbort } from '../../abort.ts';
import { describeUrl } from '../../url.ts';
import { networkFailure } from '../network-failure.ts';
import type { ReadPacer } from './read-pacer.ts';

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

/** What an aborted operation rejects with: the signal's reason when it is an Error (as fetch does). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

/** The read buffer of every plain-TCP wire: each read's bytes are handed on or copied before the next. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class Wire {
  // Bytes arrive through take(): from one read buffer shared by every plain-TCP wire (the socket's `onread`
  // option, so no buffer is allocated per read), or from 'data' events under TLS. A live reader takes them
  // synchronously through flow() and copies only metadata; read() copies each chunk and queues it. Against
  // the socket's async iterator this measured ~40 % less CPU and half the memory with 5,000 live streams.
  /**
   * Receives every byte once flow() is called; views of the shared buffer are valid only during the call.
   * Returns true when the connection may rest (with a pacer, reading stops for the pacer's period).
   */
  private sink: ((bytes: Uint8Array) => boolean) | null = null;
  private pacer: ReadPacer | undefined;
  private resting = false;
  private flowing: { resolve: () => void; reject: (err: unknown) => void } | null = null;
  /** Chunks that arrived with no read waiting (the socket is paused while any are queued). */
  private readonly queue: Uint8Array[] = [];
  private waiter: { resolve: (v: Uint8Array | null | typeof PAUSED) => void; reject: (err: unknown) => void; timer: NodeJS.Timeout | undefined } | null = null;
  private ended = false;
  private failure: unknown = null;
  /** What an idle timeout fails with; the error itself is built only if it fires (a stack trace per connection was 7 % of the snapshot path). */
  private idle: { code: ErrorCode; ms: number } | null = null;
  private closing = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unhookAbort: (() => void) | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly where: string,
    private readonly meter: ByteMeter,
    private readonly signal: AbortSignal | undefined,
    sharedBuffer: boolean,
  ) {
    if (!sharedBuffer) socket.on('data', (chunk: Buffer) => this.take(chunk, false));
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      if (!this.ended && this.failure === null) {
        // Closed by destroy() with nobody reading: no error to build (it cost two stack traces per snapshot).
        if (this.closing && !this.waiter && !this.flowing && !socket.errored) this.ended = true;
        else this.failure = this.translate(socket.errored ?? Object.assign(new Error('closed'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
      }
      this.wake();
    });
    // One listener for the socket's whole life; read() turns the timeout into that socket's error.
    socket.on('timeout', () => socket.destroy(this.idle ? this.timeoutError(this.idle.code, 'data', this.idle.ms) : undefined));
    // Through a fan-out: one signal may be shared by every poll in flight.
    this.unhookAbort = signal ? onAbort(signal, this.destroyOnAbort) : undefined;
  }

  /** Connects (TLS for https:), resolving once the socket can be written to. */
  static async connect(url: URL, opts: WireOptions): Promise<Wire> {
    opts.signal?.throwIfAborted();
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const https = url.protocol === 'https:';
    const port = Number(url.port) || (https ? 443 : 80);
    let wire: Wire | undefined;
    const socket = https
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host, port, onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => (wire!.take(buf.subarray(0, n), true), true) } });
    // Errors surface through read(); this listener only keeps an early one from crashing the process.
    socket.on('error', () => {});
    wire = new Wire(socket, describeUrl(url), opts.meter, opts.signal, !https);
    const cancel = wire.deadline(opts.connectTimeoutMs, 'ONAIR_CONNECT_TIMEOUT', 'connect');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once(https ? 'secureConnect' : 'connect', resolve);
        socket.once('close', () => reject(socket.errored ?? new NetworkError('ONAIR_NETWORK', `connection closed by ${wire.where}`, { detail: 'ECONNRESET' })));
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
  deadline(ms: number, code: ErrorCode, what: string): () => void {
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
  setIdle(ms: number, code: ErrorCode = 'ONAIR_IDLE_TIMEOUT'): void {
    this.idle = { code, ms };
    this.socket.setTimeout(ms);
  }

  /**
   * The next chunk, or null when the server closed cleanly. With pauseMs: PAUSED when nothing arrived
   * within pauseMs (the chunk still comes with the next call).
   */
  read(pauseMs?: number): Promise<Uint8Array | null | typeof PAUSED> {
    const chunk = this.queue.shift();
    if (chunk) {
      if (this.queue.length === 0) this.socket.resume();
      return Promise.resolve(chunk);
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = pauseMs === undefined ? undefined : setTimeout(() => {
        this.waiter = null;
        resolve(PAUSED);
      }, pauseMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  /** Settles a waiting read or flow once the connection has ended or failed and nothing is queued. */
  private wake(): void {
    if (this.queue.length || (this.failure === null && !this.ended)) return;
    const w = this.waiter;
    this.waiter = null;
    if (w?.timer) clearTimeout(w.timer);
    const f = this.sink ? this.flowing : null;
    if (f) this.flowing = null;
    if (this.failure !== null) {
      w?.reject(this.failure);
      f?.reject(this.failure);
    } else {
      w?.resolve(null);
      f?.resolve();
    }
  }

  /**
   * Hands every further byte to `sink`, synchronously and without a copy: a view is valid only during the
   * call. Queued chunks go first. Resolves when the server closes cleanly; rejects on a network error, the
   * idle timeout, an abort, or whatever `sink` throws.
   */
  flow(sink: (bytes: Uint8Array) => boolean, pacer?: ReadPacer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.flowing = { resolve, reject };
      this.pacer = pacer;
      try {
        for (const chunk of this.queue.splice(0)) sink(chunk);
        this.sink = sink;
        this.socket.resume();
      } catch (err) {
        this.fail(err);
      }
      this.wake();
    });
  }

  /** Ends the connection with `err`, which read() or flow() then rejects with. */
  fail(err: unknown): void {
    this.socket.destroy(err instanceof Error ? err : new Error(String(err)));
  }

  private take(bytes: Uint8Array, shared: boolean): void {
    this.meter.bytes += bytes.length;
    if (this.sink) {
      let rest: boolean;
      try {
        rest = this.sink(bytes);
      } catch (err) {
        return this.fail(err);
      }
      if (rest && this.pacer && !this.resting) {
        this.resting = true;
        this.socket.pause();
        this.pacer.rest(this.endRest);
      }
      return;
    }
    const chunk = shared ? bytes.slice() : bytes;
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      if (w.timer) clearTimeout(w.timer);
      w.resolve(chunk);
    } else {
      this.queue.push(chunk);
      this.socket.pause();
    }
  }

  /** Ends the connection (idempotent). */
  destroy(): void {
    this.closing = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.unhookAbort?.();
    this.socket.destroy();
  }

  private readonly endRest = (): void => {
    this.resting = false;
    if (!this.socket.destroyed) this.socket.resume();
  };

  private readonly destroyOnAbort = (): void => {
    this.socket.destroy(abortError(this.signal!));
  };

  /**
   * Node's socket errors (ECONNREFUSED, ECONNRESET, ENOTFOUND, TLS) become NetworkError ONAIR_NETWORK with
   * the system code as its detail; ours pass through, and so does anything else (a bug, never retried as
   * if the network had failed).
   */
  private translate(err: unknown): unknown {
    if (this.signal?.aborted) return abortError(this.signal);
    if (err instanceof OnairError) return err;
    const failure = networkFailure(err);
    if (!failure) return err;
    if (failure.code === 'ERR_STREAM_PREMATURE_CLOSE') return new NetworkError('ONAIR_NETWORK', `connection to ${this.where} closed`, { cause: err, detail: 'ECONNRESET' });
    return new NetworkError('ONAIR_NETWORK', `${failure.message} (${this.where})`, { cause: err, detail: failure.code });
  }

  private timeoutError(code: ErrorCode, what: string, ms: number): NetworkError {
    return new NetworkError(code, `no ${what} from ${this.where} within ${ms} ms`);
  }
}
