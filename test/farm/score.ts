// Scores a crawl against the farm's schedule: which titles a crawler had to record (those that went on and
// off air inside its window), which it recorded, which twice, which garbled or out of order, and how late.
// Pure: the schedule, the plan and the records in, figures out.
import type { PlannedStation } from './plan.ts';
import { titleIndexOf, type Schedule } from './schedule.ts';

/** A change a crawler recorded: a title that started playing at `at`. */
export interface RecordedChange {
  station: string;
  raw: string;
  at: number;
}

export interface CrawlScore {
  /** Well-behaved stations scored. */
  stations: number;
  /** Titles that were on air wholly inside the window: each must be recorded. */
  expected: number;
  /** Expected titles recorded with the exact text. */
  recorded: number;
  /** Titles recorded more than once (each extra record counts). */
  recordedTwice: number;
  /** Records whose text is not what the schedule played (charset, entities, truncation). */
  garbled: number;
  /** Records of an older title after a newer one (a stale burst title, say). */
  outOfOrder: number;
  /** Records for stations that misbehave (they have no titles to record). */
  fromBadStations: number;
  recall: number;
  /** Time from a title going on air to its record, over the expected titles recorded. */
  latencyMs: { p50: number; p99: number; max: number };
  /** Up to five missed titles, "station #k", to start a diagnosis. */
  missedExamples: string[];
}

export interface ScoreOptions {
  /** Only stations that pass (e.g. the feed stations, for a feed-only peer). */
  include?: (station: PlannedStation) => boolean;
}

export function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  if (values.length === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

export function scoreCrawl(schedule: Schedule, plan: PlannedStation[], records: RecordedChange[], window: { from: number; to: number }, opts: ScoreOptions = {}): CrawlScore {
  const byId = new Map(plan.map((p) => [p.id, p]));
  const recordsOf = new Map<string, RecordedChange[]>();
  let fromBadStations = 0;
  for (const r of records) {
    const p = byId.get(r.station);
    if (!p || (opts.include && !opts.include(p))) continue;
    if (p.fault) {
      fromBadStations++;
      continue;
    }
    let list = recordsOf.get(r.station);
    if (!list) recordsOf.set(r.station, (list = []));
    list.push(r);
  }
  let stations = 0;
  let expected = 0;
  let recorded = 0;
  let recordedTwice = 0;
  let garbled = 0;
  let outOfOrder = 0;
  const latencies: number[] = [];
  const missedExamples: string[] = [];
  for (const p of plan) {
    if (p.fault || (opts.include && !opts.include(p))) continue;
    stations++;
    const mine = (recordsOf.get(p.id) ?? []).sort((a, b) => a.at - b.at);
    const seen = new Map<number, number>();
    let newest = -1;
    for (const r of mine) {
      const k = titleIndexOf(r.raw);
      if (k === null || schedule.text(p.index, k) !== r.raw) {
        garbled++;
        continue;
      }
      if (seen.has(k)) recordedTwice++;
      else seen.set(k, r.at);
      if (k < newest) outOfOrder++;
      newest = Math.max(newest, k);
    }
    for (const slot of schedule.slots(p.index, window.from, window.to)) {
      if (slot.startsAt < window.from || slot.endsAt > window.to || schedule.text(p.index, slot.k) === null) continue;
      expected++;
      const at = seen.get(slot.k);
      if (at === undefined) {
        if (missedExamples.length < 5) missedExamples.push(`${p.id} #${slot.k}`);
        continue;
      }
      recorded++;
      latencies.push(at - slot.startsAt);
    }
  }
  return {
    stations, expected, recorded, recordedTwice, garbled, outOfOrder, fromBadStations,
    recall: expected === 0 ? 1 : recorded / expected,
    latencyMs: percentiles(latencies),
    missedExamples,
  };
}
