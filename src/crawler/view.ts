// What a running crawler shows to those who watch it (the HTTP API, the metrics, the `stats` log line): the
// running flag, the station list, one stats snapshot, and hooks on commits and polls. Types only: a watcher
// depends on this view, never on the scheduler, the pipeline or the HTTP client behind it.
import type { PollResult } from '../scheduler/scheduler.ts';
import type { Flushed } from '../store/contract.ts';
import type { Station } from '../stations/schema.ts';

/** Database writes so far: batches committed, rows, and time spent in them. */
export interface WriteStats {
  batches: number;
  rows: number;
  ms: number;
  maxMs: number;
}

/** Counters since start (a reader takes differences) and schedule lag over the most recent polls. */
export interface CrawlerStats {
  stations: number;
  /** Stations polled on the schedule (feeds and stream snapshots). */
  polled: number;
  /** Stations held on a live stream connection. */
  live: number;
  polls: number;
  /** Now-playing values read (a successful poll, or a title from a live stream). */
  reads: number;
  changes: number;
  failures: number;
  notModified: number;
  /** Polls dispatched and not yet settled. */
  inFlight: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  bytes: { http: number; live: number; snapshot: number };
  writes: WriteStats;
}

/**
 * Callbacks on the crawler's own path: each must be quick and must not throw (a throw is logged and
 * ignored, so a watcher can never break polling or writes).
 */
export interface CrawlerObserver {
  /** After each scheduled poll, with what it came to. */
  poll?(station: Station, result: PollResult): void;
  /** Each poll's schedule lag (start minus due time), ms. */
  lag?(ms: number): void;
  /** After each commit: its duration in ms and the queued writes it committed. */
  flush?(ms: number, rows: number): void;
}

export interface CrawlerView {
  /** True from start until stop() is called. */
  readonly running: boolean;
  /** This node's name among those sharing the database. */
  readonly node: string;
  /** The partitions this node holds now. */
  partitions(): number[];
  /** The stations in the list now, in its order. */
  stations(): readonly Station[];
  stats(): CrawlerStats;
  /** Called with what each flush committed: plays opened, stations left silent (the live events' source). */
  onCommit(listener: (flushed: Flushed) => void): () => void;
  /** Watches polls, schedule lag and commits; the returned function stops watching. */
  observe(observer: CrawlerObserver): () => void;
}
