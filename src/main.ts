// Composition root of the crawler: resolves the options once, builds the registry, store, HTTP client,
// pipeline, scheduler and live streams, wires them together and hands back a handle to stop it. The real
// clock, signals and process exit live in commands/run.ts, so tests start the whole crawler on loopback with
// their own options. What each wired unit does lives in crawler/.
import { hostname } from 'node:os';
import { steadyClock, systemClock, systemRandom, type Clock, type Random } from './clock.ts';
import { LeaseKeeper } from './cluster/lease-keeper.ts';
import { leaseTimes, resolveCrawlerConfig, type CrawlerConfig, type CrawlerSettings } from './config.ts';
import { Observers } from './crawler/observers.ts';
import { snapshotStats } from './crawler/stats.ts';
import { StationRouter } from './crawler/station-router.ts';
import type { CrawlerView } from './crawler/view.ts';
import { WriteLoop } from './crawler/write-loop.ts';
import { HttpClient } from './fetch/http.ts';
import { readStreamSnapshot } from './fetch/stream/reader.ts';
import { createLogger, type Logger } from './log.ts';
import { LiveStreams } from './pipeline/live-streams.ts';
import { Pipeline, type SnapshotReader } from './pipeline/pipeline.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { StationRegistry, type StationSource, type StationsDiff } from './stations/registry.ts';
import type { StationsConfig } from './stations/schema.ts';
import { stationSource, syncList } from './crawler/db-stations.ts';
import type { PlayStore } from './store/contract.ts';
import { openStore, stationListOf } from './store/open-store.ts';

export type { CrawlerObserver, CrawlerStats, CrawlerView, WriteStats } from './crawler/view.ts';

export interface CrawlerOptions extends CrawlerSettings {
  logger?: Logger;
  clock?: Clock;
  /** Times the leases (monotonic by default; the polls' clock may be a test's manual one). */
  leaseClock?: Clock;
  random?: Random;
  readSnapshot?: SnapshotReader;
}

/** The running crawler: the view its watchers get, plus its parts (for the run command and tests) and stop(). */
export interface Crawler extends CrawlerView {
  readonly config: CrawlerConfig;
  readonly store: PlayStore;
  readonly pipeline: Pipeline;
  readonly scheduler: Scheduler;
  readonly registry: StationSource;
  readonly live: LiveStreams;
  readonly http: HttpClient;
  readonly leases: LeaseKeeper;
  /** The address of this node's HTTP API, told to the other nodes with its heartbeat. */
  apiUrl: string | null;
  /** Commits queued writes now. */
  flush(): Promise<void>;
  /** Stops polling, aborts what is in flight, flushes, closes the database. */
  stop(): Promise<void>;
}

/**
 * Starts the crawler. Rejects with a ConfigError for an invalid option or stations file, before anything runs;
 * resolves once the store is open and the stations are scheduled.
 */
export async function startCrawler(opts: CrawlerOptions = {}): Promise<Crawler> {
  const { logger: givenLogger, clock: givenClock, leaseClock, random: givenRandom, readSnapshot: givenReader, ...settings } = opts;
  const config = resolveCrawlerConfig(settings);
  const clock = givenClock ?? systemClock;
  const random = givenRandom ?? systemRandom;
  const logger = givenLogger ?? createLogger();
  const events = {
    onChange: (diff: StationsDiff, list: StationsConfig) => {
      void router.apply(diff, list);
      if (file && stationList) void syncList(stationList, file.file, logger);
    },
    onError: (err: unknown) => logger.error({ err: (err as Error).message }, 'station list rejected; keeping the last good list'),
  };
  // Read before the database opens: a bad stations file is a usage error with nothing started.
  const file = config.stationsFile === null ? undefined : new StationRegistry(config.stationsFile, events);
  const store = await openStore(config.db);
  // PostgreSQL keeps the list for every node: a node given a file loads it in, one given none follows it.
  const stationList = stationListOf(store);
  let registry: StationSource;
  try {
    if (file && stationList) await syncList(stationList, file.file, logger);
    registry = await stationSource(file, store, events);
  } catch (err) {
    await store.close();
    throw err;
  }
  const http = new HttpClient(config.http);
  // Stream snapshots wait on the same connect and first-byte deadlines as feed requests.
  const snapshotTimeouts = { connectTimeoutMs: config.http.connectTimeoutMs, firstByteTimeoutMs: config.http.headersTimeoutMs };
  const readSnapshot: SnapshotReader = givenReader ?? ((url, o) => readStreamSnapshot(url, { ...snapshotTimeouts, ...o }));
  const pipeline = new Pipeline({ http, readSnapshot, store, clock, logger });
  const observers = new Observers(logger);

  const scheduler = new Scheduler({
    clock,
    random,
    concurrency: config.concurrency,
    perHost: config.perHost,
    tickMs: config.tickMs,
    backoffCapMs: config.backoffCapMs,
    rareRetryMs: config.rareRetryMs,
    poll: async (task, signal, dueAt) => {
      const plan = router.get(task.id);
      if (!plan) return 'ok';
      const result = await pipeline.poll(plan, signal, dueAt);
      if (observers.watched) observers.notify((o) => o.poll?.(plan.station, result));
      return result;
    },
    onPollCrash: (task, err) => logger.error({ station: task.id, err }, 'poll crashed'),
    // Metrics want every sample (a histogram); the scheduler's own recorder keeps a window for percentiles.
    onLag: (ms) => {
      if (observers.watched) observers.notify((o) => o.lag?.(ms));
    },
  });
  const live = new LiveStreams({
    clock,
    random,
    logger,
    pipeline,
    backoffCapMs: config.backoffCapMs,
    rareRetryMs: config.rareRetryMs,
    reconnectMs: config.liveReconnectMs,
    readEveryMs: config.liveReadEveryMs,
  });
  const node = config.node ?? `${hostname()}:${process.pid}`;
  let apiUrl: string | null = null;
  const leases: LeaseKeeper = new LeaseKeeper({
    store,
    node,
    times: leaseTimes(config.leaseMs),
    clock: leaseClock ?? steadyClock,
    random,
    logger,
    ownership: {
      gained: (l, takenOver) => router.gained(l, takenOver),
      lost: (parts) => router.lost(parts),
      releasing: (parts) => router.releasing(parts),
    },
    heartbeat: () => ({ apiUrl, info: { stations: router.active, lagP99Ms: Math.round(scheduler.lag.percentile(99)), polls: scheduler.polls, leaseRoundMs: leases.lastRoundMs } }),
  });
  const router = new StationRouter({
    scheduler,
    live,
    pipeline,
    store,
    logger,
    intervalSeconds: config.intervalSeconds,
    owns: (part) => leases.owns(part),
    flush: () => writes.flush(),
  });
  const writes = new WriteLoop({ store, clock, logger, observers, everyMs: config.flushIntervalMs });
  // Every write goes under its station's lease, and commits only while that lease is still this node's.
  store.fence({
    node,
    leaseOf: (station) => {
      const part = router.partOf(station);
      return part === undefined ? undefined : leases.leaseOf(part);
    },
  });

  await router.apply({ added: registry.stations, removed: [], changed: [] }, registry.config);
  await leases.start();
  scheduler.start();
  writes.start();
  if (config.watch) registry.watch();

  let stopping: Promise<void> | undefined;
  let running = true;
  return {
    config,
    store,
    pipeline,
    scheduler,
    registry,
    live,
    http,
    leases,
    node,
    partitions: () => leases.partitions,
    get apiUrl() {
      return apiUrl;
    },
    set apiUrl(url) {
      apiUrl = url;
    },
    get running() {
      return running;
    },
    stations: () => registry.stations,
    stats: () => snapshotStats({ scheduler, live, pipeline, http, writes: writes.stats }),
    onCommit: (listener) => observers.onCommit(listener),
    observe: (observer) => observers.observe(observer),
    flush: () => writes.flush(),
    stop() {
      running = false;
      stopping ??= (async () => {
        registry.close();
        await Promise.all([scheduler.stop(), live.stop()]);
        try {
          await writes.stop();
          // After the last flush: a peer may take over at once, and nothing of ours is left to write.
          await leases.stop();
        } finally {
          try {
            await store.close();
          } finally {
            await http.destroy();
          }
        }
      })();
      return stopping;
    },
  };
}
