// `onair run`: the crawler in the foreground until SIGINT/SIGTERM, then a clean stop within 5 s.
import { availableParallelism, hostname } from 'node:os';
import v8 from 'node:v8';
import { parseListenAddress } from '../api/listen-address.ts';
import { startApiServer, type ApiServer } from '../api/server.ts';
import { resolveCrawlerConfig, SETTING_RULES, type CrawlerConfig } from '../config.ts';
import { stationSource } from '../crawler/db-stations.ts';
import type { CrawlerView } from '../crawler/view.ts';
import { createLogger, type Logger } from '../log.ts';
import { startCrawler, type Crawler } from '../main.ts';
import { StationRegistry, type StationSource } from '../stations/registry.ts';
import { openStore } from '../store/open-store.ts';
import { Supervisor, type WorkerReport } from '../workers/supervisor.ts';
import { UsageError, type Command } from './command.ts';
import { choiceOption, dbOption, numberOption, secondsOption } from './options.ts';

const STOP_DEADLINE_MS = 4_500;
/**
 * How far V8 lets the heap grow past what survived its last full collection before collecting again. Its
 * default (up to 4× when collections are cheap) suits a short job; a crawler runs for months, and at 20,000
 * feeds that default let a 60 MB live heap grow to 245 MB. 30 % kept peak RSS at 249 MB (from 428) with no
 * measurable CPU cost (docs/performance.md). A --heap-growing-percent in NODE_OPTIONS or on node's command
 * line wins.
 */
const HEAP_GROWING_PERCENT = 30;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const command: Command = {
  summary: 'Crawl the stations in stations.json, recording every now-playing change, until SIGINT/SIGTERM.',
  usage:
    'onair run [--stations FILE] [--db FILE|postgres://…] [--interval S] [--concurrency N] [--per-host N] [--workers N|auto] [--node NAME] [--lease S] [--log-level LEVEL] [--stats-every S] [--http [HOST:]PORT]',
  options: {
    // No default here: on PostgreSQL a node without a file follows the list the database keeps.
    stations: { type: 'string' },
    ...dbOption,
    interval: { type: 'string' },
    concurrency: { type: 'string' },
    'per-host': { type: 'string' },
    'log-level': { type: 'string' },
    'stats-every': { type: 'string' },
    http: { type: 'string' },
    node: { type: 'string' },
    lease: { type: 'string' },
    workers: { type: 'string' },
  },
  async run(values) {
    // Every option is checked before anything starts, so a typo costs a usage error, not a crawler started and stopped.
    const listen = values.http === undefined ? undefined : parseListenAddress(values.http as string);
    const level = choiceOption({ 'log-level': values['log-level'] ?? process.env.LOG_LEVEL }, 'log-level', LOG_LEVELS) ?? 'info';
    // --stats-every or ONAIR_STATS_EVERY: a `stats` line every N seconds, for the benchmark and for operators.
    const statsEvery = numberOption({ 'stats-every': values['stats-every'] ?? process.env.ONAIR_STATS_EVERY }, 'stats-every', { integer: false, min: 0.1, max: 86_400 });
    const settings = {
      stationsFile: values.stations as string | undefined,
      db: values.db as string,
      intervalSeconds: numberOption(values, 'interval', SETTING_RULES.intervalSeconds),
      concurrency: numberOption(values, 'concurrency', SETTING_RULES.concurrency),
      perHost: numberOption(values, 'per-host', SETTING_RULES.perHost),
      node: values.node as string | undefined,
      leaseMs: secondsOption(values, 'lease', SETTING_RULES.leaseMs),
    };
    // Checked before anything starts, as every other option.
    const config = resolveCrawlerConfig(settings);
    const workers = workersOption(values.workers);

    if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /heap[-_]growing[-_]percent/.test(a)))
      v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    const logger = createLogger(level);
    process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (a bug); the crawler goes on'));
    if (workers > 1) return runWorkers(workers, values, config, listen, statsEvery, logger);
    const crawler = await startCrawler({ ...settings, logger });
    // A worker of `--workers N`: its parent serves the API from these reports.
    const report = process.env.ONAIR_WORKER && process.send ? setInterval(() => process.send!(workerReport(crawler)), 1_000) : undefined;
    const api = await serveApi(crawler, crawler.config.db, listen, logger, () => crawler.stop());
    if (api) crawler.apiUrl = api.url;
    process.on('SIGHUP', () => crawler.registry.reload());
    const statsTimer = statsEvery ? setInterval(() => logger.info(statsLine(crawler), 'stats'), statsEvery * 1000) : undefined;
    logger.info({ stations: crawler.registry.stations.length, db: crawler.config.db }, 'crawler started');
    const signal = await stopSignal();
    clearInterval(statsTimer);
    clearInterval(report);
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error('stop took too long; exiting with what was flushed');
      process.exit(0);
    }, STOP_DEADLINE_MS);
    try {
      await api?.close();
      // A final flush that fails rejects here: exit 1 with its message, not 0 from the deadline.
      await crawler.stop();
    } finally {
      clearTimeout(deadline);
    }
    logger.info('stopped');
    exitSoonIfHeld(logger);
    return 0;
  },
};

/**
 * Everything was flushed and closed: the process should end now. If something still holds the event loop (a
 * database client reconnecting a connection the server dropped while the node was stopped, seen with
 * postgres.js), say so and exit anyway rather than linger as a process that said it stopped.
 */
function exitSoonIfHeld(logger: Logger): void {
  setTimeout(() => {
    logger.warn({ handles: process.getActiveResourcesInfo() }, 'still held open after stopping; exiting');
    process.exit(process.exitCode ?? 0);
  }, 1_000).unref();
}

/** The API of `--http`, if asked for; a port it cannot listen on stops what was started (`stop`) and fails. */
async function serveApi(view: CrawlerView, db: string, listen: { host: string; port: number } | undefined, logger: Logger, stop: () => Promise<void>): Promise<ApiServer | undefined> {
  if (!listen) return undefined;
  let api: ApiServer;
  try {
    api = await startApiServer({ crawler: view, db, ...listen, logger });
  } catch (err) {
    await stop();
    throw new Error(`cannot serve HTTP on ${listen.host}:${listen.port}: ${(err as Error).message}`);
  }
  logger.info({ address: api.url }, 'http api listening');
  return api;
}

/** The signal that stops the process: SIGINT or SIGTERM, whichever comes first. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** `--workers`: a count, or `auto` for one per core; 1 when absent. */
function workersOption(raw: unknown): number {
  if (raw === undefined) return 1;
  if (raw === 'auto') return availableParallelism();
  const text = String(raw);
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 256) throw new UsageError(`--workers must be a whole number from 1 to 256, or auto; got "${text}"`);
  return Number(text);
}

function workerReport(c: Crawler): WorkerReport {
  const cpu = process.cpuUsage();
  return { type: 'stats', stats: c.stats(), partitions: c.partitions(), cpuUs: cpu.user + cpu.system, rssMb: memoryMb().rssMb };
}

/** The options every worker gets: the parent's, less what the parent keeps (the HTTP API, the count, the name, the stats line). */
function workerArgs(values: Record<string, unknown>): string[] {
  return Object.entries(values)
    .filter(([k, v]) => v !== undefined && !['workers', 'http', 'node', 'stats-every'].includes(k))
    .flatMap(([k, v]) => [`--${k}`, String(v)]);
}

/**
 * The parent of `--workers N`: checks what the workers will open (the stations file and the database, which it
 * migrates once), starts them, serves the HTTP API for all of them, and stops them on SIGINT/SIGTERM.
 */
async function runWorkers(
  count: number,
  values: Record<string, unknown>,
  config: CrawlerConfig,
  listen: { host: string; port: number } | undefined,
  statsEvery: number | undefined,
  logger: Logger,
): Promise<number> {
  const { db, leaseMs } = config;
  const nodeBase = config.node ?? hostname();
  const events = { onChange: () => {}, onError: (err: unknown) => logger.error({ err: (err as Error).message }, 'station list rejected') };
  const file = config.stationsFile === null ? undefined : new StationRegistry(config.stationsFile, events);
  // Opened (and migrated) once here, so the workers start on a database that is known good.
  const store = await openStore(db);
  let registry: StationSource;
  try {
    registry = await stationSource(file, store, events);
  } catch (err) {
    await store.close();
    throw err;
  }
  const supervisor = new Supervisor({ count, entry: process.argv[1]!, args: workerArgs(values), nodeBase, leaseMs, logger });
  supervisor.start();
  let running = true;
  const view: CrawlerView = {
    get running() {
      return running;
    },
    node: nodeBase,
    partitions: () => supervisor.partitions(),
    stations: () => registry.stations,
    stats: () => supervisor.stats(),
    // Commits happen in the workers: the API's events follow the plays table instead.
    onCommit: () => () => {},
    observe: () => () => {},
  };
  const api = await serveApi(view, db, listen, logger, () => supervisor.stop());
  registry.watch();
  process.on('SIGHUP', () => supervisor.signal('SIGHUP'));
  // One stats line for all workers: their counters summed, the worst lag, their CPU and memory with ours.
  const statsTimer = statsEvery ? setInterval(() => logger.info({ ...supervisor.stats(), ...supervisor.resources(), workers: count }, 'stats'), statsEvery * 1000) : undefined;
  logger.info({ workers: count, db }, 'workers started');
  const signal = await stopSignal();
  running = false;
  clearInterval(statsTimer);
  logger.info({ signal }, 'stopping');
  await api?.close();
  await supervisor.stop();
  registry.close();
  await store.close();
  logger.info('stopped');
  exitSoonIfHeld(logger);
  return 0;
}

/** The crawler's snapshot, plus this process's CPU and memory. */
function statsLine(c: Crawler): Record<string, unknown> {
  const cpu = process.cpuUsage();
  return { ...c.stats(), cpuUs: cpu.user + cpu.system, ...memoryMb(), maxRssMb: Math.round(process.resourceUsage().maxRSS / 100) / 10 };
}

/** Where the memory is: V8's heap (used of reserved), Buffers and other memory outside it, and the process's total. */
function memoryMb() {
  const m = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external) };
}
