// `onair run`: the crawler in the foreground until SIGINT/SIGTERM, then a clean stop within 5 s.
import v8 from 'node:v8';
import { parseListenAddress } from '../api/listen-address.ts';
import { startApiServer, type ApiServer } from '../api/server.ts';
import { positiveInt, type Command } from '../cli.ts';
import { createLogger } from '../log.ts';
import { startCrawler, type Crawler } from '../main.ts';
import { dbOption, stationsOption } from './defaults.ts';

const STOP_DEADLINE_MS = 4_500;
/**
 * How far V8 lets the heap grow past what survived its last full collection before collecting again. Its
 * default (up to 4× when collections are cheap) suits a short job; a crawler runs for months, and at 20,000
 * feeds that default let a 60 MB live heap grow to 245 MB. 30 % kept peak RSS at 249 MB (from 428) with no
 * measurable CPU cost (README, Performance). A --heap-growing-percent in NODE_OPTIONS or on node's command
 * line wins.
 */
const HEAP_GROWING_PERCENT = 30;
/** Polls start in batches on a 200 ms tick: half the CPU of one timer wake-up per poll (see the README's Performance section). */
const TICK_MS = 200;

export const command: Command = {
  summary: 'Crawl the stations in stations.json, recording every now-playing change, until SIGINT/SIGTERM.',
  usage: 'onair run [--stations FILE] [--db FILE] [--interval S] [--concurrency N] [--per-host N] [--log-level LEVEL] [--stats-every S] [--http [HOST:]PORT]',
  options: {
    ...stationsOption,
    ...dbOption,
    interval: { type: 'string' },
    concurrency: { type: 'string' },
    'per-host': { type: 'string' },
    'log-level': { type: 'string' },
    'stats-every': { type: 'string' },
    http: { type: 'string' },
  },
  async run(values) {
    if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /heap[-_]growing[-_]percent/.test(a)))
      v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    // Checked before anything starts, so a typo costs a usage error, not a crawler started and stopped.
    const listen = values.http === undefined ? undefined : parseListenAddress(values.http as string);
    const logger = createLogger((values['log-level'] as string | undefined) ?? process.env.LOG_LEVEL ?? 'info');
    process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (a bug); the crawler goes on'));
    const crawler = startCrawler({
      stationsFile: values.stations as string,
      dbFile: values.db as string,
      intervalSeconds: positiveInt(values, 'interval'),
      concurrency: positiveInt(values, 'concurrency'),
      perHost: positiveInt(values, 'per-host'),
      tickMs: TICK_MS,
      logger,
    });
    let api: ApiServer | undefined;
    if (listen) {
      try {
        api = await startApiServer({ crawler, dbFile: values.db as string, ...listen, logger });
      } catch (err) {
        await crawler.stop();
        throw new Error(`cannot serve HTTP on ${listen.host}:${listen.port}: ${(err as Error).message}`);
      }
      logger.info({ address: api.url }, 'http api listening');
    }
    process.on('SIGHUP', () => crawler.registry.reload());
    // A `stats` line every N seconds (--stats-every or ONAIR_STATS_EVERY) for the benchmark and for operators.
    const statsEvery = positiveInt({ 'stats-every': values['stats-every'] ?? process.env.ONAIR_STATS_EVERY }, 'stats-every');
    const statsTimer = statsEvery ? setInterval(() => logger.info(crawlerStats(crawler), 'stats'), statsEvery * 1000) : undefined;
    logger.info({ stations: crawler.registry.stations.length, db: values.db }, 'crawler started');
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    clearInterval(statsTimer);
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error('stop took too long; exiting with what was flushed');
      process.exit(0);
    }, STOP_DEADLINE_MS);
    await api?.close();
    await crawler.stop();
    clearTimeout(deadline);
    logger.info('stopped');
    return 0;
  },
};

/** Counters since start (the reader takes differences), schedule lag over the most recent polls, CPU and memory. */
function crawlerStats(c: Crawler): Record<string, unknown> {
  const { lag } = c.scheduler;
  const cpu = process.cpuUsage();
  const { stats } = c.pipeline;
  return {
    stations: c.scheduler.size + c.live.size,
    polled: c.scheduler.size,
    live: c.live.size,
    polls: stats.polls,
    reads: stats.reads,
    changes: stats.changes,
    failures: stats.failures,
    notModified: stats.notModified,
    inFlight: c.scheduler.inFlightCount,
    lagP50Ms: lag.percentile(50),
    lagP99Ms: lag.percentile(99),
    lagMaxMs: lag.percentile(100),
    bytes: { http: c.http.bytesRead, live: c.live.bytesRead, snapshot: stats.streamBytes },
    writes: { ...c.writes },
    cpuUs: cpu.user + cpu.system,
    ...memoryMb(),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 100) / 10,
  };
}

/** Where the memory is: V8's heap (used of reserved), Buffers and other memory outside it, and the process's total. */
function memoryMb() {
  const m = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external) };
}
