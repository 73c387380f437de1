// Which stations a farm plays and how: the format of each, the simulated server and mount it sits on,
// the loopback address that server answers on, whether its stream is held live or polled, and which
// stations misbehave on purpose. Pure: options in, plan out; the same options always give the same plan.
import { FARM_KINDS, type FarmKind } from './feed-farm.ts';
import { hash32 } from '../../src/scheduler/next-due.ts';

/** Stream flavours: Icecast (HTTP/1.0, 64 KiB connect burst, many mounts per server), SHOUTcast v1 (`ICY 200 OK`, Latin-1 titles), a head without status line, chained Ogg. */
export type StreamKind = 'icy-icecast' | 'icy-shoutcast' | 'icy-nostatus' | 'ogg-vorbis' | 'ogg-opus';
export const STREAM_KINDS: StreamKind[] = ['icy-icecast', 'icy-shoutcast', 'icy-nostatus', 'ogg-vorbis', 'ogg-opus'];
/** Share of each stream kind, in twentieths. */
const STREAM_MIX: StreamKind[] = [
  ...Array<StreamKind>(10).fill('icy-icecast'),
  ...Array<StreamKind>(5).fill('icy-shoutcast'),
  'icy-nostatus',
  ...Array<StreamKind>(2).fill('ogg-vorbis'),
  ...Array<StreamKind>(2).fill('ogg-opus'),
];

export type FeedFault = 'reset' | 'stall' | 'garbage' | 'huge' | 'redirect-loop' | '5xx' | 'bomb';
export const FEED_FAULTS: FeedFault[] = ['reset', 'stall', 'garbage', 'huge', 'redirect-loop', '5xx', 'bomb'];
export type StreamFault = 'reset' | 'stall' | 'garbage' | 'huge-meta' | 'redirect-loop' | '5xx' | 'no-metadata';
export const STREAM_FAULTS: StreamFault[] = ['reset', 'stall', 'garbage', 'huge-meta', 'redirect-loop', '5xx', 'no-metadata'];

export type Scenario = 'feeds' | 'streams-live' | 'streams-snapshot' | 'mixed';
export const SCENARIOS: Scenario[] = ['feeds', 'streams-live', 'streams-snapshot', 'mixed'];

interface Base {
  /** Position in the plan and in the schedule. */
  index: number;
  id: string;
  /** Simulated server of its kind; stations of a multi-mount kind share one. */
  server: number;
  /** Mount on that server (Icecast /m<slot>, SHOUTcast v2 sid), 1-based. */
  slot: number;
  /** Loopback address the server answers on (its "host"). */
  address: string;
}

export interface PlannedFeed extends Base {
  type: 'feed';
  kind: FarmKind;
  fault?: FeedFault;
}

export interface PlannedStream extends Base {
  type: 'stream';
  kind: StreamKind;
  mode: 'live' | 'snapshot';
  fault?: StreamFault;
}

export type PlannedStation = PlannedFeed | PlannedStream;

export interface PlanOptions {
  stations: number;
  scenario: Scenario;
  /** Share of stations that misbehave (0..1). */
  badShare?: number;
  /** Loopback addresses to spread the servers over (the crawler caps connections per host). */
  hosts?: number;
  /** Stations per multi-mount server. */
  mountsPerServer?: number;
}

const MULTI_FEED = new Set<FarmKind>(['icecast-json', 'icecast-xml', 'shoutcast-v2-statistics']);
const MULTI_STREAM = new Set<StreamKind>(['icy-icecast', 'ogg-vorbis', 'ogg-opus']);

/** The n-th farm address: 127.1.x.y, y in 1..254. */
export function farmAddress(n: number): string {
  return `127.1.${1 + Math.floor(n / 254)}.${1 + (n % 254)}`;
}

/** One station in this many misbehaves (0: none). */
export function faultStep(badShare: number): number {
  return badShare > 0 ? Math.max(2, Math.round(1 / badShare)) : 0;
}

export function planFarm(opts: PlanOptions): PlannedStation[] {
  const hosts = Math.max(1, Math.min(opts.hosts ?? 200, 254 * 250));
  const perServer = opts.mountsPerServer ?? 10;
  const step = faultStep(opts.badShare ?? 0.05);
  const counters = new Map<string, number>();
  const servers = new Map<string, number>();
  const faults = new Map<string, number>();
  const typeCount = new Map<string, number>();
  const out: PlannedStation[] = [];
  for (let i = 0; i < opts.stations; i++) {
    const type = typeOf(opts.scenario, i);
    // Kinds rotate per type (7 is prime to the mix's 20), so every kind shows up whatever the scenario's mix.
    const nth = typeCount.get(type.type) ?? 0;
    typeCount.set(type.type, nth + 1);
    const kind = type.type === 'feed' ? FARM_KINDS[nth % FARM_KINDS.length]! : STREAM_MIX[(nth * 7) % STREAM_MIX.length]!;
    const n = counters.get(kind) ?? 0;
    counters.set(kind, n + 1);
    const multi = type.type === 'feed' ? MULTI_FEED.has(kind as FarmKind) : MULTI_STREAM.has(kind as StreamKind);
    const server = multi ? Math.floor(n / perServer) : n;
    const slot = multi ? (n % perServer) + 1 : 1;
    // Servers take addresses round robin in the order they appear, so every address gets a mix.
    const key = `${kind}/${server}`;
    if (!servers.has(key)) servers.set(key, servers.size);
    const address = farmAddress(servers.get(key)! % hosts);
    // A hash, not i % step: the scenario mixes types by i % 5, and a stride would hit one type only.
    const bad = step > 0 && hash32(`bad:${i}`) % step === 0;
    const faultNo = bad ? (faults.get(type.type) ?? 0) : 0;
    if (bad) faults.set(type.type, faultNo + 1);
    const base = { index: i, id: `${kind}-${i}`, server, slot, address };
    if (type.type === 'feed') {
      const fault = bad ? FEED_FAULTS[faultNo % FEED_FAULTS.length] : undefined;
      out.push({ ...base, type: 'feed', kind: kind as FarmKind, ...(fault ? { fault } : {}) });
    } else {
      const fault = bad ? STREAM_FAULTS[faultNo % STREAM_FAULTS.length] : undefined;
      out.push({ ...base, type: 'stream', kind: kind as StreamKind, mode: type.mode, ...(fault ? { fault } : {}) });
    }
  }
  return out;
}

/** Feeds only, streams only, or mixed: 60 % feeds, 20 % live streams, 20 % stream snapshots. */
function typeOf(scenario: Scenario, i: number): { type: 'feed' } | { type: 'stream'; mode: 'live' | 'snapshot' } {
  switch (scenario) {
    case 'feeds':
      return { type: 'feed' };
    case 'streams-live':
      return { type: 'stream', mode: 'live' };
    case 'streams-snapshot':
      return { type: 'stream', mode: 'snapshot' };
    case 'mixed': {
      const r = i % 5;
      return r < 3 ? { type: 'feed' } : { type: 'stream', mode: r === 3 ? 'live' : 'snapshot' };
    }
  }
}
