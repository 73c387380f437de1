// The crawler stats of several worker processes as one: counters add up, lag percentiles take the worst
// worker's (a sum of percentiles means nothing; the worst is what an operator must see). Pure.
import type { CrawlerStats } from '../crawler/view.ts';

export const EMPTY_STATS: CrawlerStats = {
  stations: 0,
  polled: 0,
  live: 0,
  polls: 0,
  reads: 0,
  changes: 0,
  failures: 0,
  notModified: 0,
  inFlight: 0,
  lagP50Ms: 0,
  lagP99Ms: 0,
  lagMaxMs: 0,
  bytes: { http: 0, live: 0, snapshot: 0 },
  writes: { batches: 0, rows: 0, ms: 0, maxMs: 0 },
};

export function combineStats(all: readonly CrawlerStats[]): CrawlerStats {
  const out: CrawlerStats = structuredClone(EMPTY_STATS);
  for (const s of all) {
    for (const k of ['polled', 'live', 'polls', 'reads', 'changes', 'failures', 'notModified', 'inFlight'] as const) out[k] += s[k];
    for (const k of ['lagP50Ms', 'lagP99Ms', 'lagMaxMs'] as const) out[k] = Math.max(out[k], s[k]);
    for (const k of ['http', 'live', 'snapshot'] as const) out.bytes[k] += s.bytes[k];
    out.writes.batches += s.writes.batches;
    out.writes.rows += s.writes.rows;
    out.writes.ms += s.writes.ms;
    out.writes.maxMs = Math.max(out.writes.maxMs, s.writes.maxMs);
    // Every worker has the whole list.
    out.stations = Math.max(out.stations, s.stations);
  }
  return out;
}
