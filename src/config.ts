// Every tunable of the crawler in one table, with its default, and the one place they are resolved and
// checked: the edge (a command, a test) passes what it was given, gets back a complete, valid config or a
// ConfigError naming the option, and no stage below has a default of its own (p-queue's constructor and
// graphile-worker's config.ts work the same way). A leaf: imports nothing from the stages.
import { ConfigError } from './errors.ts';
import { isPostgresUrl } from './url.ts';

/** The User-Agent of every request onair makes, unless a format needs another (SHOUTcast v1's 7.html). */
export const USER_AGENT = 'onair/0.1 (+https://github.com/onair-radio/onair)';

export interface HttpConfig {
  connectTimeoutMs: number;
  /** From the request to the end of the response head. */
  headersTimeoutMs: number;
  /** Deadline for the whole response, head and body: an endless trickle fails too. */
  totalTimeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Keep-alive connections per origin. */
  connectionsPerOrigin: number;
  userAgent: string;
}

export interface CrawlerConfig {
  /** null: the station list is the one the database keeps (PostgreSQL only; the default there). */
  stationsFile: string | null;
  /** A SQLite file path (or ":memory:"), or a postgres:// URL. */
  db: string;
  /** Overrides the stations file's default interval (seconds); undefined: the file's. */
  intervalSeconds: number | undefined;
  /** Polls in flight at once. */
  concurrency: number;
  /** Polls in flight at once per host. */
  perHost: number;
  /** Scheduler timer granularity (ms): polls due within one tick start together. */
  tickMs: number;
  /** Longest backoff after failures (ms). */
  backoffCapMs: number;
  /** Retry delay for sources that lack what we need, e.g. a stream without metadata (ms). */
  rareRetryMs: number;
  /** How often queued changes are committed (ms, one transaction per flush). */
  flushIntervalMs: number;
  /** Base delay before a live stream reconnects; doubles per consecutive failure (ms). */
  liveReconnectMs: number;
  /** How long each live connection rests between reads once past its connect burst (ms; 0: read at once). */
  liveReadEveryMs: number;
  /** Watch the stations file and apply its changes without a restart. */
  watch: boolean;
  /** This node's name among the nodes sharing the database; undefined: host name and process id. Unique per node. */
  node: string | undefined;
  /** How long a partition lease lasts without renewal (ms); renewed every third of it. */
  leaseMs: number;
  http: HttpConfig;
}

/** The station list of the embedded default (SQLite), and of the commands that edit a file. */
export const DEFAULT_STATIONS_FILE = 'stations.json';

export const DEFAULTS: CrawlerConfig = {
  stationsFile: DEFAULT_STATIONS_FILE,
  db: 'data/onair.db',
  intervalSeconds: undefined,
  /**
   * Slots needed = polls per second × seconds per poll: at 20,000 stations every 10 s, the 1 % that stall until
   * their 10 s header timeout hold ~200 slots by themselves, and 64 starved the rest. Sockets are cheap; the
   * per-host limit is what protects each server.
   */
  concurrency: 512,
  perHost: 6,
  /** Polls start in batches on a 200 ms tick: half the CPU of one timer wake-up per poll (docs/performance.md). */
  tickMs: 200,
  backoffCapMs: 5 * 60_000,
  rareRetryMs: 60 * 60_000,
  flushIntervalMs: 250,
  liveReconnectMs: 2_000,
  /**
   * Measured with the farm's 5,000 streams at 128 kbit/s, written every 250 ms: reading at most every 500 ms
   * took the crawler from 22 % user + 11 % system CPU to 16 % + 13 % (reads halve, a pause and a resume are
   * added), and a change still reaches the database within 0.6 s (p99) of its block arriving.
   */
  liveReadEveryMs: 500,
  watch: true,
  node: undefined,
  /** 6 s, renewed every 2 s: a dead node's stations are polled again within ~8 s (../shared/scale-out.md). */
  leaseMs: 6_000,
  http: {
    connectTimeoutMs: 5_000,
    headersTimeoutMs: 10_000,
    totalTimeoutMs: 15_000,
    maxBytes: 1024 * 1024,
    maxRedirects: 5,
    connectionsPerOrigin: 4,
    userAgent: USER_AGENT,
  },
};

/** The live HTTP API's limits (`onair run --http`). */
export const API_DEFAULTS = {
  /** A comment line goes to every event client this often, so proxies and browsers keep idle streams open. */
  heartbeatMs: 15_000,
  maxEventClients: 1_000,
  /** Unsent bytes past which an event client is dropped: 1000 clients at the cap hold 256 MB at worst. */
  maxClientBufferBytes: 256 * 1024,
  /**
   * The live events read the plays table this often at least, for commits of other nodes: on SQLite that is
   * the only signal (a cheap indexed read in WAL); on PostgreSQL a NOTIFY wakes them sooner, this catches
   * what a reconnect lost.
   */
  tailEveryMs: 250,
  /** /api/nodes and the node metrics show the nodes heard from within this long. */
  nodesWithinMs: 60_000,
} as const;

/** The stations file's own default interval, when it names none (seconds). */
export const DEFAULT_INTERVAL_SECONDS = 10;
/** Bounds of any poll interval, in stations.json or on the command line (seconds). */
export const INTERVAL_SECONDS = { min: 1, max: 86_400 } as const;

export type CrawlerSettings = Partial<Omit<CrawlerConfig, 'http' | 'stationsFile'>> & { stationsFile?: string; http?: Partial<HttpConfig> };

/** What a numeric setting may be. */
export type NumberRule = { integer: boolean; min: number; max?: number };

/** The rule of every numeric setting, by its name in CrawlerConfig (`http.` for the HTTP ones). */
export const SETTING_RULES = {
  intervalSeconds: { integer: false, ...INTERVAL_SECONDS },
  concurrency: { integer: true, min: 1 },
  perHost: { integer: true, min: 1 },
  tickMs: { integer: true, min: 0, max: 60_000 },
  backoffCapMs: { integer: true, min: 1 },
  rareRetryMs: { integer: true, min: 1 },
  flushIntervalMs: { integer: true, min: 1 },
  liveReconnectMs: { integer: true, min: 1 },
  liveReadEveryMs: { integer: true, min: 0 },
  leaseMs: { integer: true, min: 300, max: 600_000 },
  'http.connectTimeoutMs': { integer: true, min: 1 },
  'http.headersTimeoutMs': { integer: true, min: 1 },
  'http.totalTimeoutMs': { integer: true, min: 1 },
  'http.maxBytes': { integer: true, min: 1 },
  'http.maxRedirects': { integer: true, min: 0 },
  'http.connectionsPerOrigin': { integer: true, min: 1 },
} as const satisfies Record<string, NumberRule>;

/** The lease timings of a lease length: renewed every third, and trusted until a sixth (at most 1 s) before it runs out. */
export function leaseTimes(leaseMs: number): { ttlMs: number; renewEveryMs: number; marginMs: number } {
  return { ttlMs: leaseMs, renewEveryMs: Math.round(leaseMs / 3), marginMs: Math.min(1_000, Math.round(leaseMs / 6)) };
}

/** Fills in the defaults and checks every number; throws a ConfigError naming the first option at fault. */
export function resolveCrawlerConfig(settings: CrawlerSettings = {}): CrawlerConfig {
  const config: CrawlerConfig = { ...DEFAULTS, ...dropUndefined(settings), http: { ...DEFAULTS.http, ...dropUndefined(settings.http ?? {}) } };
  for (const [name, rule] of Object.entries(SETTING_RULES) as [string, NumberRule][]) {
    const [head, tail] = name.split('.') as [string, string | undefined];
    const holder = (tail ? config[head as 'http'] : config) as unknown as Record<string, unknown>;
    const value = holder[tail ?? head];
    if (value === undefined && name === 'intervalSeconds') continue;
    checkNumber(name, value, rule);
  }
  if (!config.db) throw new ConfigError('db: a database path is required');
  // PostgreSQL keeps the list for every node: without a file a node follows it; with one it loads the file into it.
  if (settings.stationsFile === undefined && isPostgresUrl(config.db)) config.stationsFile = null;
  if (config.stationsFile === null && !isPostgresUrl(config.db)) throw new ConfigError('stationsFile: a SQLite database keeps no station list; a stations file is required');
  if (config.stationsFile === '') throw new ConfigError('stationsFile: a stations file path is required');
  if (config.node !== undefined && !/^[\w.:@-]{1,100}$/.test(config.node))
    throw new ConfigError(`node must be 1 to 100 letters, digits or . _ : @ -, got ${JSON.stringify(config.node)}`);
  return config;
}

/** Throws a ConfigError unless `value` is a number within the rule. */
export function checkNumber(name: string, value: unknown, rule: NumberRule): asserts value is number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (!rule.integer || Number.isInteger(value)) && value >= rule.min && (rule.max === undefined || value <= rule.max);
  if (ok) return;
  const kind = rule.integer ? 'an integer' : 'a number';
  const range = rule.max === undefined ? `>= ${rule.min}` : `from ${rule.min} to ${rule.max}`;
  throw new ConfigError(`${name} must be ${kind} ${range}, got ${JSON.stringify(value) ?? String(value)}`);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
