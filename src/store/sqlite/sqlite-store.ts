// The store contract on SQLite (better-sqlite3). Every statement runs whole inside one call: better-sqlite3 is
// synchronous, so a commit is one transaction that nothing can interleave with, and history is read in pages,
// so no statement stays open across an await (an open iterator would make the connection refuse writes).
import Database from 'better-sqlite3';
import type {
  Flushed,
  Heartbeat,
  HistoryQuery,
  Lease,
  NodeRow,
  NowPlayingRow,
  PlayReader,
  PlayStart,
  PlayStore,
  StationHealth,
  StoredPlay,
  WriteFence,
} from '../contract.ts';
import { historyInPages } from '../history-pages.ts';
import { WriteQueue, type QueuedWrite, type WriteBatch } from '../write-queue.ts';
import { historySql, PLAY_COLUMNS } from './history-sql.ts';
import { openDatabase } from './open.ts';

const HEALTH_COLUMNS = `s.id AS station, s.name, s.last_success_at AS lastSuccessAt, s.last_error_at AS lastErrorAt,
  s.last_error AS lastError, s.consecutive_failures AS consecutiveFailures`;

/** The reads, on any connection (the crawler's own, or a read-only one beside it: WAL lets both run). */
export class SqliteReader implements PlayReader {
  /** Opens an existing database read-only (the API and the CLI beside a running crawler). */
  static open(file: string): SqliteReader {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return new SqliteReader(db);
  }

  private readonly r;

  constructor(protected readonly db: Database.Database) {
    this.r = {
      openPlays: db.prepare(`SELECT ${PLAY_COLUMNS} FROM plays WHERE ended_at IS NULL`),
      nowPlaying: db.prepare(`SELECT ${HEALTH_COLUMNS}, p.id AS playId, p.raw, p.artist, p.title,
        p.started_at AS startedAt, p.source
        FROM stations s LEFT JOIN plays p ON p.station = s.id AND p.ended_at IS NULL ORDER BY s.id`),
      playStart: db.prepare('SELECT started_at FROM plays WHERE id = ?').pluck(),
      // By id, not by start time: a live client resumes from the last event id it saw.
      playsAfter: db.prepare(`SELECT ${PLAY_COLUMNS} FROM plays WHERE id > ? ORDER BY id LIMIT ?`),
      hasStation: db.prepare('SELECT 1 FROM stations WHERE id = ?').pluck(),
      lastPlayId: db.prepare('SELECT coalesce(max(id), 0) FROM plays').pluck(),
      ping: db.prepare('SELECT 1').pluck(),
      // A JSON array of ids: one statement for any number of stations.
      openPlaysOf: db.prepare(`SELECT ${PLAY_COLUMNS} FROM plays WHERE ended_at IS NULL AND station IN (SELECT value FROM json_each(?))`),
      healthOf: db.prepare(`SELECT ${HEALTH_COLUMNS} FROM stations s WHERE s.id IN (SELECT value FROM json_each(?))`),
      nodes: db.prepare(`SELECT n.node, n.heartbeat_at AS heartbeatAt, n.api_url AS apiUrl, n.info,
        (SELECT count(*) FROM partition_lease l WHERE l.owner = n.node AND l.expires_at > @now) AS partitions
        FROM nodes n WHERE n.heartbeat_at > @now - @within ORDER BY n.node`),
    };
  }

  async openPlaysOf(stations: readonly string[]): Promise<Map<string, StoredPlay>> {
    const rows = this.r.openPlaysOf.all(JSON.stringify(stations)) as StoredPlay[];
    return new Map(rows.map((p) => [p.station, p]));
  }

  async healthOf(stations: readonly string[]): Promise<Map<string, StationHealth>> {
    const rows = this.r.healthOf.all(JSON.stringify(stations)) as StationHealth[];
    return new Map(rows.map((h) => [h.station, h]));
  }

  async nodes(withinMs: number): Promise<NodeRow[]> {
    const rows = this.r.nodes.all({ now: Date.now(), within: withinMs }) as (Omit<NodeRow, 'info'> & { info: string | null })[];
    return rows.map((n) => ({ ...n, info: n.info === null ? null : (JSON.parse(n.info) as Record<string, unknown>) }));
  }

  async openPlays(): Promise<Map<string, StoredPlay>> {
    const rows = this.r.openPlays.all() as StoredPlay[];
    return new Map(rows.map((p) => [p.station, p]));
  }

  async nowPlaying(): Promise<NowPlayingRow[]> {
    // Without an open play the LEFT JOIN leaves playId and the play columns null.
    type Row = StationHealth & Pick<StoredPlay, 'raw' | 'artist' | 'title' | 'startedAt' | 'source'> & { playId: number | null };
    const rows = this.r.nowPlaying.all() as Row[];
    return rows.map(({ station, name, lastSuccessAt, lastErrorAt, lastError, consecutiveFailures, playId, ...p }) => ({
      station: { station, name, lastSuccessAt, lastErrorAt, lastError, consecutiveFailures },
      play: playId === null ? null : { id: playId, station, ...p, endedAt: null },
    }));
  }

  history(query: HistoryQuery): AsyncGenerator<StoredPlay> {
    return historyInPages(
      query,
      async (id) => this.r.playStart.get(id) as number | undefined,
      async (limit, cursor) => {
        const { sql, params } = historySql({ ...query, afterId: cursor?.afterId, limit }, cursor?.startedAt);
        return this.db.prepare(sql).all(params) as StoredPlay[];
      },
    );
  }

  async playsAfter(id: number, limit: number): Promise<StoredPlay[]> {
    return this.r.playsAfter.all(id, limit) as StoredPlay[];
  }

  async hasStation(id: string): Promise<boolean> {
    return this.r.hasStation.get(id) !== undefined;
  }

  async lastPlayId(): Promise<number> {
    return this.r.lastPlayId.get() as number;
  }

  async watchPlays(_hint: () => void): Promise<() => Promise<void>> {
    return async () => {};
  }

  async ping(): Promise<boolean> {
    try {
      return this.db.open && this.r.ping.get() === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * The crawler's store: changes and poll outcomes queued in memory, committed by flush() in one transaction.
 * Lease times are this machine's clock (every node on one file runs on this machine).
 */
export class SqliteStore extends SqliteReader implements PlayStore {
  /** Opens (creating and migrating) the database file and wraps it; close() closes both. */
  static override open(file: string): SqliteStore {
    return new SqliteStore(openDatabase(file));
  }

  private readonly queue = new WriteQueue();
  private readonly w;
  private readonly commitBatch: (batch: WriteBatch) => Flushed;
  private readonly writeStations: (stations: { id: string; name?: string | undefined }[]) => void;
  private readonly leases;

  /** Takes a database opened by openDatabase() (migrated, foreign keys on). */
  constructor(db: Database.Database) {
    super(db);
    this.w = {
      ensureStation: db.prepare('INSERT INTO stations (id) VALUES (?) ON CONFLICT DO NOTHING'),
      upsertStation: db.prepare('INSERT INTO stations (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name'),
      // max(): a clock that stepped back must not end a play before it started.
      endOpen: db.prepare(`UPDATE plays SET ended_at = max(?, started_at) WHERE station = ? AND ended_at IS NULL RETURNING ${PLAY_COLUMNS}`),
      insertPlay: db.prepare(`INSERT INTO plays (station, raw, artist, title, started_at, source, writer, part, epoch)
        VALUES (@station, @raw, @artist, @title, @startedAt, @source, @writer, @part, @epoch)`),
      leasesOf: db.prepare('SELECT part, epoch FROM partition_lease WHERE owner = ?'),
      pollOk: db.prepare(`INSERT INTO stations (id, last_success_at) VALUES (?, ?)
        ON CONFLICT (id) DO UPDATE SET last_success_at = excluded.last_success_at, consecutive_failures = 0`),
      pollFailed: db.prepare(`INSERT INTO stations (id, last_error_at, last_error, consecutive_failures) VALUES (?, ?, ?, 1)
        ON CONFLICT (id) DO UPDATE SET last_error_at = excluded.last_error_at, last_error = excluded.last_error,
        consecutive_failures = consecutive_failures + 1`),
      lastEnd: db.prepare('SELECT ended_at FROM plays WHERE station = ? ORDER BY started_at DESC, id DESC LIMIT 1').pluck(),
    };
    // immediate: take the write lock before the first read, so a second writer waits (busy_timeout) instead of
    // failing at its first write with SQLITE_BUSY_SNAPSHOT.
    // The fence needs no row lock here: the transaction holds the one write lock, so no takeover commits
    // between the check and the writes.
    const commit = db.transaction((writes: QueuedWrite[]) => {
      const flushed: Flushed = { opened: [], silenced: [], fenced: [] };
      const silent = new Map<string, StoredPlay>();
      const current = this.queue.fence && this.currentEpochs(this.queue.fence.node);
      const refused = new Set<number>();
      for (const w of writes) {
        if (current && w.lease && current.get(w.lease.part) !== w.lease.epoch) refused.add(w.lease.part);
        else this.write(w, flushed.opened, silent);
      }
      flushed.silenced = [...silent.values()];
      flushed.fenced = [...refused];
      return flushed;
    });
    // The batch id is not needed here: a local commit cannot land without its answer.
    this.commitBatch = (batch) => commit.immediate(batch.writes);
    const stations = db.transaction((list: { id: string; name?: string | undefined }[]) => {
      for (const st of list) this.w.upsertStation.run(st.id, st.name ?? null);
    });
    this.writeStations = (list) => stations.immediate(list);
    this.leases = sqliteLeases(db);
  }

  fence(fence: WriteFence): void {
    this.queue.fence = fence;
  }

  recordChange(station: string, at: number, next: PlayStart | null): void {
    this.queue.change(station, at, next);
  }

  recordPoll(station: string, at: number, error: string | null): void {
    this.queue.poll(station, at, error);
  }

  pending(): number {
    return this.queue.size;
  }

  discard(stations: ReadonlySet<string>): void {
    this.queue.discard(stations);
  }

  async renewLeases(node: string, held: readonly Lease[], ttlMs: number, heartbeat: Heartbeat) {
    return this.leases.renew(node, held, ttlMs, heartbeat);
  }

  async acquireLeases(node: string, max: number, ttlMs: number): Promise<Lease[]> {
    return this.leases.acquire(node, max, ttlMs);
  }

  async releaseLeases(node: string, leases: readonly Lease[]): Promise<void> {
    this.leases.release(node, leases);
  }

  async leave(node: string): Promise<void> {
    this.leases.leave(node);
  }

  async watchLeases(_hint: () => void): Promise<() => Promise<void>> {
    return async () => {};
  }

  private currentEpochs(node: string): Map<number, number> {
    const rows = this.w.leasesOf.all(node) as Lease[];
    return new Map(rows.map((l) => [l.part, l.epoch]));
  }

  async upsertStations(stations: { id: string; name?: string | undefined }[]): Promise<void> {
    this.writeStations(stations);
  }

  flush(): Promise<Flushed> {
    return this.queue.flush(this.commitBatch);
  }

  override async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      await this.flush();
    } finally {
      this.db.close();
    }
  }

  /** Writes one queued write; a change adds what it opens to `opened` and keeps `silent` per station. */
  private write(w: QueuedWrite, opened: StoredPlay[], silent: Map<string, StoredPlay>): void {
    if (w.kind === 'poll') {
      if (w.error === null) this.w.pollOk.run(w.station, w.at);
      else this.w.pollFailed.run(w.station, w.at, w.error);
      return;
    }
    this.w.ensureStation.run(w.station);
    const ended = this.w.endOpen.get(w.at, w.station) as StoredPlay | undefined;
    if (w.next === null) {
      if (ended) silent.set(w.station, ended);
      return;
    }
    silent.delete(w.station);
    // Never before the station's previous play ended, so its plays never overlap even if the clock stepped back.
    const startedAt = ended?.endedAt ?? Math.max(w.at, (this.w.lastEnd.get(w.station) as number | null | undefined) ?? w.at);
    const { raw, artist, title, source } = w.next;
    const play = { station: w.station, raw, artist, title, source, startedAt };
    const writer = { writer: this.queue.fence?.node ?? null, part: w.lease?.part ?? null, epoch: w.lease?.epoch ?? null };
    const id = Number(this.w.insertPlay.run({ ...play, ...writer }).lastInsertRowid);
    opened.push({ id, ...play, endedAt: null });
  }
}

/** The lease statements, each call one BEGIN IMMEDIATE transaction (nothing can interleave a check and a write). */
function sqliteLeases(db: Database.Database) {
  const q = {
    heartbeat: db.prepare(`INSERT INTO nodes (node, heartbeat_at, api_url, info) VALUES (@node, @now, @apiUrl, @info)
      ON CONFLICT (node) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, api_url = excluded.api_url, info = excluded.info`),
    renew: db.prepare(`UPDATE partition_lease SET expires_at = @expires WHERE owner = @node
      AND (part, epoch) IN (SELECT value ->> 0, value ->> 1 FROM json_each(@held)) RETURNING part`).pluck(),
    live: db.prepare('SELECT count(*) FROM nodes WHERE heartbeat_at > ?').pluck(),
    forget: db.prepare('DELETE FROM nodes WHERE heartbeat_at < ?'),
    acquire: db.prepare(`UPDATE partition_lease SET owner = @node, epoch = epoch + 1, expires_at = @expires
      WHERE part IN (SELECT part FROM partition_lease WHERE owner IS NULL OR expires_at <= @now ORDER BY part LIMIT @max)
      RETURNING part, epoch`),
    release: db.prepare(`UPDATE partition_lease SET owner = NULL, expires_at = 0 WHERE owner = @node
      AND (part, epoch) IN (SELECT value ->> 0, value ->> 1 FROM json_each(@held))`),
    releaseAll: db.prepare('UPDATE partition_lease SET owner = NULL, expires_at = 0 WHERE owner = ?'),
    leave: db.prepare('DELETE FROM nodes WHERE node = ?'),
  };
  const pairs = (leases: readonly Lease[]) => JSON.stringify(leases.map((l) => [l.part, l.epoch]));
  return {
    renew: db
      .transaction((node: string, held: readonly Lease[], ttlMs: number, hb: Heartbeat) => {
        const now = Date.now();
        q.heartbeat.run({ node, now, apiUrl: hb.apiUrl, info: JSON.stringify(hb.info) });
        const renewed = held.length ? (q.renew.all({ node, expires: now + ttlMs, held: pairs(held) }) as number[]) : [];
        // Nodes silent for a day are gone for good.
        q.forget.run(now - 86_400_000);
        return { renewed, liveNodes: q.live.get(now - ttlMs) as number };
      })
      .immediate.bind(null),
    acquire: db
      .transaction((node: string, max: number, ttlMs: number) => {
        const now = Date.now();
        return max > 0 ? (q.acquire.all({ node, now, expires: now + ttlMs, max }) as Lease[]) : [];
      })
      .immediate.bind(null),
    release: db.transaction((node: string, leases: readonly Lease[]) => void q.release.run({ node, held: pairs(leases) })).immediate.bind(null),
    leave: db
      .transaction((node: string) => {
        q.releaseAll.run(node);
        q.leave.run(node);
      })
      .immediate.bind(null),
  };
}
