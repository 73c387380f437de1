// The real crawler on a manual clock against the feed farm, with the live API beside it on 127.0.0.1 port 0.
// Tests set songs on the farm, run a round and look at what the API serves.
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../src/api/server.ts';
import { startFeedFarm, type FarmKind, type FeedFarm, type FarmStation, type Song } from '../farm/feed-farm.ts';
import type { CrawlerOptions } from '../../src/main.ts';
import { startTestCrawl, type TestCrawl } from '../helpers/crawl.ts';

export interface ApiHarness {
  farm: FeedFarm;
  crawl: TestCrawl;
  api: ApiServer;
  /** Farm stations, in stations.json order. */
  stations: FarmStation[];
  /** Sets songs on the farm (null: silence), then runs one poll round and commits. */
  play(songs: Record<string, Song | null>, ms?: number): Promise<void>;
  /** Another API server on the same crawler (e.g. with other limits); closed with the harness. */
  startServer(opts?: Partial<ApiServerOptions>): Promise<ApiServer>;
  get(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  stations?: number;
  kinds?: FarmKind[];
  /** Display names, by index, instead of the farm's "Station <id>". */
  names?: string[];
  /** stations.json entries after the farm's (e.g. a station that fails). */
  extraStations?: Record<string, unknown>[];
  crawl?: Partial<CrawlerOptions>;
  server?: Partial<ApiServerOptions>;
}

export async function startApiHarness(opts: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const farm = await startFeedFarm({ stations: opts.stations ?? 3, kinds: opts.kinds ?? ['shoutcast-v1'] });
  const entries = farm.stations.map((s, i) => ({ ...farm.stationEntry(s), ...(opts.names?.[i] ? { name: opts.names[i] } : {}) }));
  const crawl = await startTestCrawl([...entries, ...(opts.extraStations ?? [])], opts.crawl);
  const servers: ApiServer[] = [];
  const startServer = async (o: Partial<ApiServerOptions> = {}) => {
    const server = await startApiServer({ crawler: crawl.crawler, db: crawl.crawler.config.db, host: '127.0.0.1', port: 0, clock: crawl.clock, ...o });
    servers.push(server);
    return server;
  };
  const api = await startServer(opts.server);
  return {
    farm,
    crawl,
    api,
    stations: farm.stations,
    async play(songs, ms = 10_000) {
      for (const [id, song] of Object.entries(songs)) farm.setSong(id, song);
      await crawl.round(ms);
    },
    startServer,
    get: (path, init) => fetch(api.url + path, init),
    async close() {
      for (const s of servers) await s.close();
      await crawl.stop();
      await farm.close();
    },
  };
}

export const song = (artist: string, title: string): Song => ({ artist, title });
