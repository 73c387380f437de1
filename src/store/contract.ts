// The storage contract the pipeline, the CLI and the API depend on, engine-neutral: queueing a write is
// synchronous (the poll path never waits on the database); committing, reading and closing return promises,
// as a server database needs. SQLite implements it in sqlite/; test/store/contract.ts holds the behaviour
// suite every implementation must pass.
import type { Play, PlaySource } from '../types.ts';

/** A play as stored: the export shape plus its row id (a stable, increasing event id for the live API). */
export interface StoredPlay extends Play {
  id: number;
}

/** What a change opens. */
export interface PlayStart {
  raw: string;
  artist: string | null;
  title: string | null;
  source: PlaySource;
}

/** What one flush committed. */
export interface Flushed {
  /** The plays it opened (with ids), in order. */
  opened: StoredPlay[];
  /** Plays it ended with nothing after them: their stations are silent now (each with its endedAt). */
  silenced: StoredPlay[];
}

export interface StationHealth {
  station: string;
  name: string | null;
  lastSuccessAt: number | null;
  lastErrorAt: number | null;
  lastError: string | null;
  consecutiveFailures: number;
}

/** A station's health joined with its open play, as nowPlaying() returns them. */
export interface NowPlayingRow {
  station: StationHealth;
  play: StoredPlay | null;
}

export interface HistoryQuery {
  /** Only these stations; absent or empty means every station. */
  stations?: string[];
  /** Plays that were on air at or after this time (endedAt >= since or still open). Epoch ms. */
  since?: number;
  /** Plays that started before this time. Epoch ms. */
  until?: number;
  /** Newest first instead of oldest first. */
  newestFirst?: boolean;
  /**
   * Pagination cursor: only plays after this one in the query's order (startedAt, then id), so pages neither
   * skip nor repeat rows even where ids and start times disagree. An unknown id compares by id alone.
   */
  afterId?: number;
  limit?: number;
}

/** What the API, `onair now` and `onair export` read. Every read is whole or paged: none holds the database. */
export interface PlayReader {
  /** Every station's current play (open), joined with its health, by station id. */
  nowPlaying(): Promise<NowPlayingRow[]>;
  /**
   * Plays in the query's order, read a page at a time so memory does not grow with the history and no read
   * stays open across a commit.
   */
  history(query: HistoryQuery): AsyncIterable<StoredPlay>;
  /** Up to `limit` plays with an id greater than `id`, in id order (where a live client resumes). */
  playsAfter(id: number, limit: number): Promise<StoredPlay[]>;
  /** A station the database has ever known (its history outlives its removal from the list). */
  hasStation(id: string): Promise<boolean>;
  /** The open play (endedAt null) of every station, to restore change detection after a restart. */
  openPlays(): Promise<Map<string, StoredPlay>>;
  /** True while the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The crawler's store: a reader that also queues and commits writes. */
export interface PlayStore extends PlayReader {
  /**
   * Queues a change of one station at time `at`: its open play (if any) ends at `at`; `next`, if given,
   * opens at `at`. Nothing is written until flush(); order of calls is kept. If the clock stepped back,
   * times are clamped so that a station's plays never end before they start nor overlap.
   */
  recordChange(station: string, at: number, next: PlayStart | null): void;
  /** Queues a poll outcome for the station's health record. */
  recordPoll(station: string, at: number, error: string | null): void;
  /** Number of queued, unflushed writes. */
  pending(): number;
  /** Makes sure a row exists for each station and sets its name (null when absent), committed at once. */
  upsertStations(stations: { id: string; name?: string | undefined }[]): Promise<void>;
  /**
   * Commits everything queued, one transaction per batch; resolves to the plays it opened and the stations it
   * left silent. Calls never overlap (each waits for the one before). A batch whose commit fails stays queued,
   * ahead of newer writes, and is retried whole; a server store writes it once even if its first commit landed
   * and only the answer was lost. Rejects when nothing could be committed.
   */
  flush(): Promise<Flushed>;
  /** Flushes, then closes. */
  close(): Promise<void>;
}

/**
 * The rows of the stations in `ids`, in that order: stations removed from the list (their rows stay in the
 * database with their history) are left out, and a station not polled yet gets an empty health record.
 */
export function rowsInOrder(ids: readonly string[], rows: readonly NowPlayingRow[]): NowPlayingRow[] {
  const byId = new Map(rows.map((r) => [r.station.station, r]));
  return ids.map(
    (id) =>
      byId.get(id) ?? { station: { station: id, name: null, lastSuccessAt: null, lastErrorAt: null, lastError: null, consecutiveFailures: 0 }, play: null },
  );
}

/** Reads a (bounded) history query whole. */
export async function readAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
