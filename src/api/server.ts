// The live HTTP API of `onair run --http`: wires a read-only store, the event hub, the metrics and the minute
// stats to one node:http server beside a running crawler, which it sees only through its view
// (crawler/view.ts). What each route answers is in routes.ts.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../clock.ts';
import { API_DEFAULTS } from '../config.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { CrawlerView } from '../crawler/view.ts';
import { openReader } from '../store/open-store.ts';
import { createMetrics } from './metrics.ts';
import { MinuteStats } from './minute-stats.ts';
import { PlaysTail } from './plays-tail.ts';
import { createRouter } from './routes.ts';
import { SseHub } from './sse-hub.ts';

export interface ApiServerOptions {
  crawler: CrawlerView;
  /** The crawler's database (its --db), opened again read-only. */
  db: string;
  host?: string;
  port: number;
  logger?: Logger;
  /** Times heartbeats and the per-minute stats; tests pass the crawler's manual clock. */
  clock?: Clock;
  heartbeatMs?: number;
  maxEventClients?: number;
  /** Unsent bytes past which an event client is dropped. */
  maxClientBufferBytes?: number;
  /** How often the live events read the plays table for other nodes' commits, whatever woke them. */
  tailEveryMs?: number;
}

export interface ApiServer {
  /** http://host:port */
  readonly url: string;
  readonly address: AddressInfo;
  /** Ends event streams, stops listening, closes the read connection. The crawler is left running. */
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { crawler } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger();
  const reader = await openReader(opts.db);
  const hub = new SseHub({
    clock,
    logger,
    playsAfter: (after, limit) => reader.playsAfter(after, limit),
    heartbeatMs: opts.heartbeatMs,
    maxClients: opts.maxEventClients,
    maxBufferBytes: opts.maxClientBufferBytes,
  });
  const stats = new MinuteStats(crawler, clock);
  const metrics = createMetrics(crawler, reader, hub);
  // Events come from the plays table, not from this node's commits alone: several nodes write it.
  const tail = new PlaysTail({ reader, clock, logger, everyMs: opts.tailEveryMs ?? API_DEFAULTS.tailEveryMs, publish: (f) => hub.publish(f) });
  const offPlays = crawler.onCommit((flushed) => tail.committed(flushed));
  const server = createServer(createRouter({ crawler, reader, hub, stats, metrics: metrics.registry, logger }));

  const teardown = () => {
    offPlays();
    stats.stop();
    metrics.stop();
    hub.close();
  };
  try {
    await tail.start();
    server.listen(opts.port, opts.host ?? '127.0.0.1');
    await once(server, 'listening');
  } catch (err) {
    teardown();
    await tail.stop();
    await reader.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    address,
    async close() {
      teardown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      // Before the reader closes: its LISTEN goes with it, and an unlisten after the end would reconnect.
      await tail.stop();
      await reader.close();
    },
  };
}
