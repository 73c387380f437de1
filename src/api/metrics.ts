// GET /metrics: the crawler in Prometheus terms, on a registry of its own (no process-wide state, so a
// test can start several servers). Counters the crawler already keeps are read at scrape time; polls,
// lag and commit times are observed as they happen.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { API_DEFAULTS } from '../config.ts';
import type { CrawlerView } from '../crawler/view.ts';
import type { PlayReader } from '../store/contract.ts';
import type { Station } from '../stations/schema.ts';
import { boardRows, HEALTHS } from './board.ts';
import type { SseHub } from './sse-hub.ts';

export interface ApiMetrics {
  readonly registry: Registry;
  stop(): void;
}

/** A station's format label: its feed format, or `icy` for a stream read by snapshots. */
const formatOf = (s: Station) => s.feed?.format ?? 'icy';

export function createMetrics(crawler: CrawlerView, reader: PlayReader, hub: SseHub): ApiMetrics {
  const registry = new Registry();
  const registers = [registry];

  const polls = new Counter({ name: 'onair_polls_total', help: 'Scheduled polls by station format and outcome (ok includes not-modified).', labelNames: ['format', 'outcome'], registers });
  const lag = new Histogram({
    name: 'onair_schedule_lag_seconds',
    help: 'Time between when a poll was due and when it started.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const writes = new Histogram({
    name: 'onair_db_write_seconds',
    help: 'Time to commit one batch of changes and poll outcomes to the database.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const unobserve = crawler.observe({
    poll: (station, result) => polls.inc({ format: formatOf(station), outcome: result }),
    lag: (ms) => lag.observe(ms / 1000),
    flush: (ms) => writes.observe(ms / 1000),
  });

  readCounter(registry, 'onair_polls_not_modified_total', 'Polls answered 304 Not Modified (or served from the shared feed cache unchanged).', () => [[{}, crawler.stats().notModified]]);
  readCounter(registry, 'onair_changes_total', 'Now-playing changes detected.', () => [[{}, crawler.stats().changes]]);
  readCounter(registry, 'onair_bytes_read_total', 'Bytes read from stations, by way of reading.', () => {
    const { bytes } = crawler.stats();
    return [
      [{ via: 'http' }, bytes.http],
      [{ via: 'live' }, bytes.live],
      [{ via: 'snapshot' }, bytes.snapshot],
    ];
  });
  new Gauge({ name: 'onair_live_streams', help: 'Live stream connections held open.', registers, collect() { this.set(crawler.stats().live); } });
  new Gauge({ name: 'onair_sse_clients', help: 'Clients connected to /api/events.', registers, collect() { this.set(hub.size); } });
  new Gauge({
    name: 'onair_stations',
    help: 'Configured stations by health: ok, failing (last poll failed), unknown (no poll back yet).',
    labelNames: ['health'],
    registers,
    async collect() {
      const counts = Object.fromEntries(HEALTHS.map((h) => [h, 0]));
      for (const row of boardRows(crawler.stations(), await reader.nowPlaying())) counts[row.health]!++;
      for (const h of HEALTHS) this.set({ health: h }, counts[h]!);
    },
  });
  new Gauge({
    name: 'onair_node_partitions',
    help: 'Partitions leased by each node heard from in the last minute (the cluster, as this database sees it).',
    labelNames: ['node'],
    registers,
    async collect() {
      this.reset();
      for (const n of await reader.nodes(API_DEFAULTS.nodesWithinMs)) this.set({ node: n.node }, n.partitions);
    },
  });
  new Gauge({
    name: 'onair_node_lag_p99_seconds',
    help: "Each node's schedule lag p99, as its last heartbeat reported it.",
    labelNames: ['node'],
    registers,
    async collect() {
      this.reset();
      for (const n of await reader.nodes(API_DEFAULTS.nodesWithinMs)) if (typeof n.info?.lagP99Ms === 'number') this.set({ node: n.node }, n.info.lagP99Ms / 1000);
    },
  });
  return { registry, stop: unobserve };
}

type Labels = Record<string, string>;

/** A counter whose values the crawler already keeps (monotonic totals), read at each scrape. */
function readCounter(registry: Registry, name: string, help: string, read: () => [Labels, number][]): void {
  new Counter({
    name,
    help,
    labelNames: Object.keys(read()[0]?.[0] ?? {}),
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}
