// Where the stages meet: poll one station (feed, else stream snapshot) -> parse -> normalise -> detect
// change -> queue the write. Returns what the poll came to for the scheduler; never throws: every failure,
// a bug included, is recorded in the station's health, logged once, and comes back as its policy.
import type { Clock } from '../clock.ts';
import { classify, isFinal, NetworkError } from '../errors.ts';
import type { HttpClient } from '../fetch/http.ts';
import type { StreamSnapshot } from '../fetch/stream/reader.ts';
import type { Logger } from '../log.ts';
import { normalizeNowPlaying } from '../parse/normalize.ts';
import { ChangeTracker } from '../detect/change.ts';
import type { PlayStore } from '../store/contract.ts';
import type { Station, StreamConfig } from '../stations/schema.ts';
import type { NowPlaying, PlaySource } from '../types.ts';
import type { PollResult } from '../scheduler/scheduler.ts';
import { FeedCache } from './feed-cache.ts';
import type { StationPlan } from './station-plan.ts';
import { HealthRecorder } from './health.ts';

/**
 * How long a station's Icecast mount may be missing from its status page before its song is ended (at the
 * first poll that missed it). Sources drop and reconnect for seconds (a DJ handover); ending the song at once
 * would then record it twice, an invented change.
 */
export const OFF_AIR_AFTER_MS = 60_000;

/** What one read of a station came to. */
interface Reading {
  np: NowPlaying | null;
  source: PlaySource;
  notModified: boolean;
}

export type SnapshotReader = (url: string, opts: { signal?: AbortSignal; charset?: string }) => Promise<StreamSnapshot>;

export interface PipelineDeps {
  http: HttpClient;
  readSnapshot: SnapshotReader;
  store: PlayStore;
  clock: Clock;
  logger: Logger;
}

/** Counters the benchmark and the metrics read. */
export interface PipelineStats {
  polls: number;
  /** Now-playing values read from stations (a successful poll, or a title from a live stream). */
  reads: number;
  failures: number;
  notModified: number;
  changes: number;
  streamBytes: number;
}

export class Pipeline {
  readonly tracker = new ChangeTracker();
  readonly stats: PipelineStats = { polls: 0, reads: 0, failures: 0, notModified: 0, changes: 0, streamBytes: 0 };
  /** Every station's health, polled or live (LiveStreams reports through it too). */
  readonly health: HealthRecorder;
  private readonly feeds: FeedCache;
  private junk: string[] = [];
  /** Since when each station's mount has been missing from its status page. */
  private readonly absentSince = new Map<string, number>();

  constructor(private readonly deps: PipelineDeps) {
    this.feeds = new FeedCache(deps.http, deps.clock);
    this.health = new HealthRecorder(deps);
  }

  /** Seeds change detection with what the store says is on air, so a restart records no change twice. */
  restore(openPlays: ReadonlyMap<string, { raw: string }>): void {
    this.tracker.restore([...openPlays].map(([station, play]) => [station, play.raw]));
  }

  /** Extra junk titles from stations.json, on top of the built-in list. */
  setJunk(junk: string[]): void {
    this.junk = junk;
  }

  /**
   * Polls one station once, by its plan (compiled when the station list was loaded). `dueAt`: when the poll
   * was due; a late poll may be served by a shared fetch made since.
   */
  async poll(plan: StationPlan, signal: AbortSignal, dueAt: number): Promise<PollResult> {
    const { logger, clock } = this.deps;
    const { station } = plan;
    this.stats.polls++;
    try {
      const { np, source, notModified } = await this.read(plan, signal, dueAt);
      const at = clock.now();
      // A 304 still goes through observe: the document is the last one, but this station may be new to it.
      if (notModified) this.stats.notModified++;
      this.observe(station, np, source, at);
      this.health.ok(station.id, at);
      this.absentSince.delete(station.id);
      // Guarded: the object would be built on every poll even with debug logging off.
      if (logger.isLevelEnabled('debug')) logger.debug({ station: station.id, source, notModified }, 'poll');
      return 'ok';
    } catch (err) {
      // Stopping: whatever failed was cut short (an AbortError, not a bug), and nothing is recorded.
      if (signal.aborted) return 'failed';
      this.stats.failures++;
      const failure = this.health.failed(station.id, err, 'poll');
      return failure.policy === 'absent' ? this.mountAbsent(station) : failure.result;
    }
  }

  /**
   * The mount is not on the status page (its health already says so). Its song ends once the mount has been
   * missing for OFF_AIR_AFTER_MS, at the time it was first missed. Polled at the normal interval meanwhile
   * (no backoff), so a source that comes back is seen within one interval.
   */
  private mountAbsent(station: Station): PollResult {
    const now = this.deps.clock.now();
    let since = this.absentSince.get(station.id);
    if (since === undefined) {
      since = now;
      this.absentSince.set(station.id, now);
    }
    if (now - since >= OFF_AIR_AFTER_MS) this.observe(station, null, 'feed', since);
    return 'ok';
  }

  /** Records a value read by any source (also the live stream reader): normalise, compare, queue. */
  observe(station: Station, np: NowPlaying | null, source: PlaySource, at: number): boolean {
    this.stats.reads++;
    const current = np && normalizeNowPlaying(np, { stationName: station.name, junk: this.junk });
    if (!this.tracker.observe(station.id, current)) return false;
    this.stats.changes++;
    this.deps.store.recordChange(station.id, at, current && { ...current, source });
    this.deps.logger.info({ station: station.id, raw: current?.raw ?? null, source }, current ? 'now playing' : 'nothing playing');
    return true;
  }

  /** The feed leads; the stream stands in while the feed fails. */
  private async read(plan: StationPlan, signal: AbortSignal, dueAt: number): Promise<Reading> {
    const { station, feed, stream } = plan;
    if (!feed) return this.readStream(station, stream, signal);
    try {
      const opts = { dueAt, maxAgeMs: plan.task.intervalMs / 2, signal, userAgent: feed.userAgent, charset: station.charset };
      const { doc, notModified } = await this.feeds.get(feed.url, feed.decode, opts);
      return { np: feed.pick(doc), source: 'feed', notModified };
    } catch (err) {
      const { policy, reported } = classify(err);
      // A bug or a wrong entry is not the feed failing: the stream must not stand in and hide it.
      if (!stream || signal.aborted || isFinal(policy)) throw err;
      this.deps.logger.debug({ station: station.id, code: reported }, 'feed failed, reading the stream instead');
      // An off-air mount usually takes its stream with it: then the feed's error is the one that says why.
      if (policy === 'absent') return this.readStream(station, stream, signal).catch((e: unknown) => Promise.reject(isFinal(classify(e).policy) ? e : err));
      return this.readStream(station, stream, signal);
    }
  }

  private async readStream(station: Station, stream: StreamConfig, signal: AbortSignal): Promise<Reading> {
    const snap = await this.deps.readSnapshot(stream.url, { signal, charset: station.charset });
    this.stats.streamBytes += snap.bytesRead;
    // A stream that ends before its first title told us nothing: not "nothing playing", a failed poll.
    if (snap.title === null) throw new NetworkError('ONAIR_NO_TITLE', 'the stream ended before its first title');
    return { np: snap.title, source: 'stream', notModified: false };
  }

  /** Forgets per-URL state of feeds that no station reads any more. */
  retainFeeds(stations: Station[]): void {
    this.feeds.retain(new Set(stations.flatMap((s) => (s.feed ? [s.feed.url] : []))));
  }
}
