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
  /** Partitions whose writes the fence refused: their leases moved to another node (or another epoch). */
  fenced: number[];
}

/** A partition's lease: the epoch grows with every change of owner, and every write carries it (the fencing token). */
export interface Lease {
  part: number;
  epoch: number;
}

/**
 * Who writes, and under which lease each station's writes go. A store with a fence commits a write only if
 * the lease it was queued under is still its node's at the commit, checked inside the commit's transaction.
 */
export interface WriteFence {
  node: string;
  /** The lease a station's writes are made under now; undefined: the node does not own the station. */
  leaseOf(station: string): Lease | undefined;
}

/** A node of the cluster, as its last heartbeat left it. */
export interface NodeRow {
  node: string;
  /** On the database's clock, epoch ms. */
  heartbeatAt: number;
  apiUrl: string | null;
  /** Unexpired leases it holds. */
  partitions: number;
  /** What the node reported with its heartbeat (stations, lag). */
  info: Record<string, unknown> | null;
}

/** What a node tells the others with each renewal. */
export interface Heartbeat {
  apiUrl: string | null;
  info: Record<string, unknown>;
}

/**
 * The partition leases. Expiry is judged by the database's clock (SQLite on one machine: that machine's), so
 * nodes never compare clocks; each call is one short transaction.
 */
export interface LeaseStore {
  /**
   * Records the node's heartbeat and extends the leases it holds, scoped to owner and epoch: a partition left
   * out of `renewed` is no longer the node's. `liveNodes` counts nodes whose heartbeat is within a TTL.
   */
  renewLeases(node: string, held: readonly Lease[], ttlMs: number, heartbeat: Heartbeat): Promise<{ renewed: number[]; liveNodes: number }>;
  /** Takes up to `max` unowned or expired partitions (each at its epoch + 1); racing nodes get disjoint sets. */
  acquireLeases(node: string, max: number, ttlMs: number): Promise<Lease[]>;
  /** Gives leases back at once (their epoch stays; the next owner bumps it). */
  releaseLeases(node: string, leases: readonly Lease[]): Promise<void>;
  /** Gives back everything the node holds and removes its heartbeat: a clean stop. */
  leave(node: string): Promise<void>;
  /**
   * Calls `hint` when a node gave leases back (PostgreSQL: LISTEN), so the others take them at once instead
   * of at their next round; resolves to a function that stops it. SQLite has no such signal and never calls it.
   */
  watchLeases(hint: () => void): Promise<() => Promise<void>>;
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
  /**
   * Up to `limit` plays with an id greater than `id`, in id order (where a live client resumes). Ids are
   * visible in commit order on both engines, whichever node wrote them: a reader that has seen id N never
   * sees a lower id appear later.
   */
  playsAfter(id: number, limit: number): Promise<StoredPlay[]>;
  /** The highest play id committed, 0 with none. */
  lastPlayId(): Promise<number>;
  /**
   * Calls `hint` soon after any node commits plays (PostgreSQL: LISTEN; it may also be called for nothing, or
   * miss a commit across a reconnect, so a reader polls as well); resolves to a function that stops it.
   * SQLite has no such signal and never calls it.
   */
  watchPlays(hint: () => void): Promise<() => Promise<void>>;
  /** A station the database has ever known (its history outlives its removal from the list). */
  hasStation(id: string): Promise<boolean>;
  /** The open play (endedAt null) of every station, to restore change detection after a restart. */
  openPlays(): Promise<Map<string, StoredPlay>>;
  /** The open plays of these stations only (a node taking over partitions restores their change detection). */
  openPlaysOf(stations: readonly string[]): Promise<Map<string, StoredPlay>>;
  /** Health of these stations (a new owner resumes a failing station's backoff), by station id. */
  healthOf(stations: readonly string[]): Promise<Map<string, StationHealth>>;
  /** The nodes that sent a heartbeat in the last `withinMs`, by name. */
  nodes(withinMs: number): Promise<NodeRow[]>;
  /** True while the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The crawler's store: a reader that also queues and commits writes, and keeps the leases. */
export interface PlayStore extends PlayReader, LeaseStore {
  /**
   * From now on, writes are queued under the lease of their station and committed only while it holds (see
   * WriteFence); a write for a station the node does not own is dropped. Without a fence, every write commits.
   */
  fence(fence: WriteFence): void;
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
  /** Drops the queued writes of these stations (their partitions were lost: the new owner polls them again). */
  discard(stations: ReadonlySet<string>): void;
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

/** A station list as stations.json holds it: raw JSON, validated by whoever reads it (stations/schema.ts). */
export interface StationsDocument {
  defaults?: unknown;
  junk?: unknown;
  stations: unknown[];
}

/**
 * The station list kept in the database (PostgreSQL: nodes on several machines share it). Every change bumps
 * a version, so a node checks for changes with one small read; edits are serialised by a row lock, so two
 * nodes editing at once both land.
 */
export interface StationListStore {
  stationListVersion(): Promise<number>;
  readStationList(): Promise<{ version: number; doc: StationsDocument }>;
  /**
   * Runs `edit` on the list under the lock and stores what it returns: the stations it lists are added or
   * updated, the others unlisted (their history stays). Writing the same list again changes nothing and
   * leaves the version as it was. Resolves to true if the list changed.
   */
  editStationList(edit: (doc: StationsDocument) => StationsDocument): Promise<boolean>;
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

/** The highest id among the plays a flush opened, 0 if it opened none. */
export function lastOpenedId(flushed: Flushed): number {
  return flushed.opened.reduce((max, p) => Math.max(max, p.id), 0);
}

/** Reads a (bounded) history query whole. */
export async function readAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
