// Composition root of the crawler: builds the registry, store, HTTP client, pipeline and scheduler from
// options, wires them together and hands back a handle to stop it. The real clock, signals and process
// exit live in commands/run.ts, so tests start the whole crawler on loopback with their own options.
import { systemClock, systemRandom, type Clock, type Random, type TimerHandle } from './clock.ts';
import { HttpClient, type HttpOptions } from './fetch/http.ts';
import { readStreamSnapshot } from './fetch/stream/reader.ts';
import { createLogger, type Logger } from './log.ts';
import { Pipeline, type SnapshotReader } from './pipeline/pipeline.ts';
import { LiveStreams } from './pipeline/live-streams.ts';
import { Scheduler, type PollResult, type ScheduledTask } from './scheduler/scheduler.ts';
import { StationRegistry, type StationsDiff } from './stations/registry.ts';
import type { StationsConfig } from './stations/schema.ts';
import type { Flushed, PlayStore } from './store/play-store.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import type { Station } from './types.ts';

/**
 * Polls in flight at once. Slots needed = polls per second × seconds per poll: at 20,000 stations every 10 s,
 * the 1 % that stall until their 10 s header timeout hold ~200 slots by themselves, and 64 starved the rest.
 * Sockets are cheap; the per-host limit is what protects each server.
 */
export const DEFAULT_CONCURRENCY = 512;

export interface CrawlerOptions {
  stationsFile: string;
  dbFile: string;
  /** Overrides the file's default interval (seconds). */
  intervalSeconds?: number;
  concurrency?: number;
  perHost?: number;
  /** Scheduler timer granularity in ms (polls due within one tick start together); default 0, exact. */
  tickMs?: number;
  backoffCapMs?: number;
  /** How often queued changes are committed (one transaction per flush). */
  flushIntervalMs?: number;
  watch?: boolean;
  http?: HttpOptions;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
  readSnapshot?: SnapshotReader;
}

export interface Crawler {
  readonly store: PlayStore;
  readonly pipeline: Pipeline;
  readonly scheduler: Scheduler;
  readonly registry: StationRegistry;
  readonly live: LiveStreams;
  readonly http: HttpClient;
  /** Database writes so far: batches committed, rows, and time spent in them (for the benchmark). */
  readonly writes: WriteStats;
  /** Called with what each flush committed: plays opened, stations left silent (the live API's event source). */
  onCommit(listener: (flushed: Flushed) => void): () => void;
  /** Watches polls, schedule lag and commits (the metrics' source); the returned function stops watching. */
  observe(observer: CrawlerObserver): () => void;
  /** True from start until stop() is called. */
  readonly running: boolean;
  /** Commits queued writes now. */
  flush(): void;
  /** Stops polling, aborts what is in flight, flushes, closes the database. */
  stop(): Promise<void>;
}

/**
 * Callbacks on the crawler's own path: each must be quick and must not throw (a throw is logged and
 * ignored, so a watcher can never break polling or writes).
 */
export interface CrawlerObserver {
  /** After each scheduled poll, with what it came to. */
  poll?(station: Station, result: PollResult): void;
  /** Each poll's schedule lag (start minus due time), ms. */
  lag?(ms: number): void;
  /** After each commit: its duration in ms and the queued writes it committed. */
  flush?(ms: number, rows: number): void;
}

export interface WriteStats {
  batches: number;
  rows: number;
  ms: number;
  maxMs: number;
}

export function startCrawler(opts: CrawlerOptions): Crawler {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger();
  const registry = new StationRegistry(opts.stationsFile, {
    onChange: (diff, config) => apply(diff, config),
    onError: (err) => logger.error({ err: (err as Error).message }, 'stations file rejected; keeping the last good list'),
  });
  const store: PlayStore = SqliteStore.open(opts.dbFile);
  const http = new HttpClient(opts.http);
  // Stream snapshots wait on the same connect and first-byte deadlines as feed requests.
  const snapshotTimeouts = { connectTimeoutMs: opts.http?.connectTimeoutMs, firstByteTimeoutMs: opts.http?.headersTimeoutMs };
  const readSnapshot: SnapshotReader = opts.readSnapshot ?? ((url, o) => readStreamSnapshot(url, { ...snapshotTimeouts, ...o }));
  const pipeline = new Pipeline({ http, readSnapshot, store, clock, logger });
  const stations = new Map<string, Station>();
  const observers = new Set<CrawlerObserver>();
  const notify = (call: (o: CrawlerObserver) => void) => {
    for (const o of observers) {
      try {
        call(o);
      } catch (err) {
        logger.error({ err }, 'crawler observer failed (a bug); ignored');
      }
    }
  };
  const intervalOf = (s: Station, config: StationsConfig) => 1000 * (s.intervalSeconds ?? opts.intervalSeconds ?? config.defaults.intervalSeconds);

  const scheduler = new Scheduler({
    clock,
    random: opts.random ?? systemRandom,
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
    perHost: opts.perHost ?? 6,
    tickMs: opts.tickMs,
    backoffCapMs: opts.backoffCapMs,
    poll: (task, signal) => {
      const station = stations.get(task.id);
      if (!station) return Promise.resolve('ok');
      return pipeline.poll(station, task.intervalMs, signal).then((result) => {
        if (observers.size) notify((o) => o.poll?.(station, result));
        return result;
      });
    },
    onPollCrash: (task, err) => logger.error({ station: task.id, err }, 'poll crashed'),
    // Metrics want every sample (a histogram); the scheduler's own recorder keeps a window for percentiles.
    onLag: (ms) => {
      if (observers.size) notify((o) => o.lag?.(ms));
    },
  });

  const live = new LiveStreams({ clock, random: opts.random ?? systemRandom, logger, pipeline, store, backoffCapMs: opts.backoffCapMs });

  function toTask(s: Station, intervalMs: number): ScheduledTask {
    const url = new URL(s.feed?.url ?? s.stream!.url);
    return { id: s.id, intervalMs, host: url.host, phaseKey: s.feed?.url ?? s.id };
  }

  /** Live-mode stream stations hold a connection; everything else is polled. */
  const isLive = (s: Station) => !s.feed && s.stream?.mode === 'live';

  function apply(diff: StationsDiff, config: StationsConfig): void {
    pipeline.setJunk(config.junk);
    for (const s of diff.removed) {
      stations.delete(s.id);
      scheduler.remove(s.id);
      live.remove(s.id);
      pipeline.tracker.forget(s.id);
    }
    for (const s of [...diff.added, ...diff.changed]) {
      stations.set(s.id, s);
      const intervalMs = intervalOf(s, config);
      if (isLive(s)) {
        scheduler.remove(s.id);
        live.upsert(s);
      } else {
        live.remove(s.id);
        scheduler.upsert(toTask(s, intervalMs));
      }
    }
    store.upsertStations([...diff.added, ...diff.changed].map((s) => ({ id: s.id, name: s.name })));
    pipeline.retainFeeds([...stations.values()]);
    if (diff.added.length || diff.removed.length || diff.changed.length)
      logger.info({ added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length, stations: stations.size }, 'stations loaded');
  }

  const listeners = new Set<(flushed: Flushed) => void>();
  const writes: WriteStats = { batches: 0, rows: 0, ms: 0, maxMs: 0 };
  function flush(): void {
    const rows = store.pending();
    if (rows === 0) return;
    const started = performance.now();
    const flushed = store.flush();
    const ms = performance.now() - started;
    writes.batches++;
    writes.rows += rows;
    writes.ms += ms;
    writes.maxMs = Math.max(writes.maxMs, ms);
    if (observers.size) notify((o) => o.flush?.(ms, rows));
    if (flushed.opened.length || flushed.silenced.length) for (const l of listeners) l(flushed);
  }
  let flushTimer: TimerHandle | undefined;
  const flushEvery = opts.flushIntervalMs ?? 250;
  const scheduleFlush = () => {
    flushTimer = clock.setTimer(flushEvery, () => {
      try {
        flush();
      } catch (err) {
        logger.error({ err }, 'database write failed; the changes stay queued and are retried');
      }
      scheduleFlush();
    });
  };

  apply({ added: registry.stations, removed: [], changed: [] }, registry.config);
  scheduler.start();
  scheduleFlush();
  if (opts.watch !== false) registry.watch();

  let stopping: Promise<void> | undefined;
  let running = true;
  return {
    store,
    pipeline,
    scheduler,
    registry,
    live,
    http,
    writes,
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    observe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },
    get running() {
      return running;
    },
    flush,
    stop() {
      running = false;
      stopping ??= (async () => {
        registry.close();
        flushTimer?.cancel();
        await Promise.all([scheduler.stop(), live.stop()]);
        flush();
        store.close();
        await http.destroy();
      })();
      return stopping;
    },
  };
}
