// The storage contract the pipeline, the CLI and the API depend on. SQLite implements it (sqlite-store.ts);
// a server database could stand in behind the same interface.
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

/**
 * The rows of the stations in `ids`, in that order: stations removed from stations.json (their rows stay in
 * the database with their history) are left out, and a station not polled yet gets an empty health record.
 */
export function rowsInOrder(ids: readonly string[], rows: readonly NowPlayingRow[]): NowPlayingRow[] {
  const byId = new Map(rows.map((r) => [r.station.station, r]));
  return ids.map(
    (id) =>
      byId.get(id) ?? { station: { station: id, name: null, lastSuccessAt: null, lastErrorAt: null, lastError: null, consecutiveFailures: 0 }, play: null },
  );
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

export interface PlayStore {
  /** The open play (endedAt null) of every station, to restore change detection after a restart. */
  openPlays(): Map<string, StoredPlay>;
  /**
   * Queues a change of one station at time `at`: its open play (if any) ends at `at`; `next`, if given,
   * opens at `at`. Nothing is written until flush(); order of calls is kept. If the clock stepped back,
   * times are clamped so that a station's plays never end before they start nor overlap.
   */
  recordChange(station: string, at: number, next: PlayStart | null): void;
  /** Queues a poll outcome for the station's health record. */
  recordPoll(station: string, at: number, error: string | null): void;
  /** Makes sure a row exists for each station and sets its name (null when absent), written at once. */
  upsertStations(stations: { id: string; name?: string | undefined }[]): void;
  /**
   * Writes everything queued in one transaction; returns the plays it opened and the stations it left
   * silent. If it throws, nothing was written and the queue is kept for the next flush.
   */
  flush(): Flushed;
  /** Number of queued, unflushed writes. */
  pending(): number;
  /** Every station's current play (open), joined with its health. */
  nowPlaying(): NowPlayingRow[];
  /**
   * Plays in order, read lazily from the database so memory does not grow with the history. While the
   * iterator is open the connection cannot write (flush throws "busy"): finish or return() it before the
   * next flush, or read from a second store on the same file (WAL lets readers run beside the writer).
   */
  history(query: HistoryQuery): IterableIterator<StoredPlay>;
  close(): void;
}
