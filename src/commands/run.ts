// `onair run`: the crawler in the foreground until SIGINT/SIGTERM, then a clean stop within 5 s.
import { positiveInt, type Command } from '../cli.ts';
import { createLogger } from '../log.ts';
import { startCrawler } from '../main.ts';
import { dbOption, stationsOption } from './defaults.ts';

const STOP_DEADLINE_MS = 4_500;

export const command: Command = {
  summary: 'Crawl the stations in stations.json, recording every now-playing change, until SIGINT/SIGTERM.',
  usage: 'onair run [--stations FILE] [--db FILE] [--interval S] [--concurrency N] [--per-host N] [--log-level LEVEL]',
  options: {
    ...stationsOption,
    ...dbOption,
    interval: { type: 'string' },
    concurrency: { type: 'string' },
    'per-host': { type: 'string' },
    'log-level': { type: 'string' },
  },
  async run(values) {
    const logger = createLogger((values['log-level'] as string | undefined) ?? process.env.LOG_LEVEL ?? 'info');
    process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (a bug); the crawler goes on'));
    const crawler = startCrawler({
      stationsFile: values.stations as string,
      dbFile: values.db as string,
      intervalSeconds: positiveInt(values, 'interval'),
      concurrency: positiveInt(values, 'concurrency'),
      perHost: positiveInt(values, 'per-host'),
      logger,
    });
    process.on('SIGHUP', () => crawler.registry.reload());
    logger.info({ stations: crawler.registry.stations.length, db: values.db }, 'crawler started');
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error('stop took too long; exiting with what was flushed');
      process.exit(0);
    }, STOP_DEADLINE_MS);
    await crawler.stop();
    clearTimeout(deadline);
    logger.info('stopped');
    return 0;
  },
};
