// Live mode: one held connection per station, each title change recorded the moment its metadata block
// arrives; when the server closes or stalls, reconnect after a jittered, capped backoff. The connection
// itself is the stream reader's; this file only keeps it alive, or parks it where the failure's policy says
// no retry will help (a bug, a wrong entry) until its entry changes.
import type { Clock, Random, TimerHandle } from '../clock.ts';
import { ReadPacer } from '../fetch/stream/read-pacer.ts';
import { openLiveStream } from '../fetch/stream/reader.ts';
import type { Logger } from '../log.ts';
import { backoffDelay } from '../scheduler/next-due.ts';
import type { LiveStation } from './station-plan.ts';
import type { Pipeline } from './pipeline.ts';

export interface LiveStreamsDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  pipeline: Pipeline;
  /** Resolved and checked in config.ts (liveReconnectMs, liveReadEveryMs, backoffCapMs, rareRetryMs there). */
  backoffCapMs: number;
  /** Retry delay of a stream that lacks what we need (no in-stream metadata). */
  rareRetryMs: number;
  /** Base reconnect delay; doubles per consecutive failure. */
  reconnectMs: number;
  open?: typeof openLiveStream;
  /** How long each connection rests between reads once past its connect burst (0: read as bytes arrive). */
  readEveryMs: number;
}

interface Connection {
  station: LiveStation;
  abort: AbortController;
  timer: TimerHandle | undefined;
  failures: number;
  done: Promise<void> | undefined;
  /** Bytes read by the current connection, updated as they arrive. */
  meter: { bytes: number };
}

export class LiveStreams {
  private readonly connections = new Map<string, Connection>();
  private stopped = false;
  private closedBytes = 0;

  private readonly pacer: ReadPacer | undefined;

  constructor(private readonly deps: LiveStreamsDeps) {
    this.pacer = deps.readEveryMs > 0 ? new ReadPacer(deps.readEveryMs) : undefined;
  }

  get size(): number {
    return this.connections.size;
  }

  /** Bytes read by every live connection so far. */
  get bytesRead(): number {
    let n = this.closedBytes;
    for (const c of this.connections.values()) n += c.meter.bytes;
    return n;
  }

  /** A changed entry replaces the connection: a stream parked after a bug or a config error starts again. */
  upsert(station: LiveStation): void {
    const existing = this.connections.get(station.id);
    if (existing && JSON.stringify(existing.station) === JSON.stringify(station)) return;
    this.remove(station.id);
    const conn: Connection = { station, abort: new AbortController(), timer: undefined, failures: 0, done: undefined, meter: { bytes: 0 } };
    this.connections.set(station.id, conn);
    this.connect(conn);
  }

  remove(id: string): void {
    const conn = this.connections.get(id);
    if (!conn) return;
    this.connections.delete(id);
    conn.timer?.cancel();
    conn.abort.abort();
    this.closedBytes += conn.meter.bytes;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const pending = [...this.connections.values()].map((c) => c.done);
    for (const id of [...this.connections.keys()]) this.remove(id);
    this.pacer?.flush();
    await Promise.allSettled(pending);
  }

  private connect(conn: Connection): void {
    const { pipeline, clock } = this.deps;
    const { station } = conn;
    const open = this.deps.open ?? openLiveStream;
    this.closedBytes += conn.meter.bytes;
    conn.meter = { bytes: 0 };
    conn.done = open(station.stream.url, {
      signal: conn.abort.signal,
      charset: station.charset,
      meter: conn.meter,
      pacer: this.pacer,
      onHeaders: () => {
        conn.failures = 0;
        pipeline.health.ok(station.id, clock.now());
      },
      onTitle: (np) => {
        pipeline.observe(station, np, 'stream', clock.now());
      },
    }).then(
      () => this.retry(conn, null),
      (err: unknown) => this.retry(conn, err),
    );
  }

  private retry(conn: Connection, err: unknown): void {
    if (this.stopped || conn.abort.signal.aborted || this.connections.get(conn.station.id) !== conn) return;
    const { clock, logger, pipeline } = this.deps;
    conn.failures++;
    const result = err ? pipeline.health.failed(conn.station.id, err, 'live stream').result : 'failed';
    if (!err) logger.info({ station: conn.station.id }, 'live stream closed by the server; reconnecting');
    // Parked: kept in the map, so only an upsert with a changed entry (or a restart) opens it again.
    if (result === 'disabled') return;
    // A stream without in-stream metadata will not grow some by the next attempt: try again only hourly.
    const rare = result === 'rare';
    const delay = rare ? this.deps.rareRetryMs : backoffDelay(conn.failures, { intervalMs: this.deps.reconnectMs, capMs: this.deps.backoffCapMs }, this.deps.random);
    conn.timer = clock.setTimer(delay, () => {
      if (!this.stopped && this.connections.get(conn.station.id) === conn) this.connect(conn);
    });
  }
}
