// PlayStore on SQLite: changes and poll outcomes are queued in memory and written by flush() in one
// transaction, so thousands of stations cost one commit, not thousands.
import type Database from 'better-sqlite3';
import type { PlaySource } from '../types.ts';
import { openDatabase } from './db.ts';
import { historySql, PLAY_COLUMNS } from './history-sql.ts';
import type { Flushed, HistoryQuery, PlayStart, PlayStore, StationHealth, StoredPlay } from './play-store.ts';

type QueuedWrite =
  | { kind: 'change'; station: string; at: number; next: PlayStart | null }
  | { kind: 'poll'; station: string; at: number; error: string | null };

const SOURCES: readonly PlaySource[] = ['feed', 'stream'];

/**
 * A healthy station's last_success_at is rewritten at most this often: a row per successful poll was a third
 * of the crawler's SQLite time at 20,000 feeds, and health needs the minute, not the second. A failure, and
 * the first success after one, are written at once.
 */
export const HEALTH_REFRESH_MS = 60_000;

const HEALTH_COLUMNS = `s.id AS station, s.name, s.last_success_at AS lastSuccessAt, s.last_error_at AS lastErrorAt,
  s.last_error AS lastError, s.consecutive_failures AS consecutiveFailures`;

export class SqliteStore implements PlayStore {
  /** Opens (creating and migrating) the database file and wraps it; close() closes both. */
  static open(file: string): SqliteStore {
    return new SqliteStore(openDatabase(file));
  }

  private queue: QueuedWrite[] = [];
  /** When each healthy station's success was last queued; absent after a failure. */
  private readonly healthyAt = new Map<string, number>();
  private readonly s;
  private readonly writeQueue: (writes: QueuedWrite[]) => Flushed;
  private readonly writeStations: (stations: { id: string; name?: string | undefined }[]) => void;

  /** Takes a database opened by openDatabase() (migrated, foreign keys on). */
  constructor(private readonly db: Database.Database) {
    this.s = {
      ensureStation: db.prepare('INSERT INTO stations (id) VALUES (?) ON CONFLICT DO NOTHING'),
      upsertStation: db.prepare('INSERT INTO stations (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name'),
      // max(): a clock that stepped back must not end a play before it started.
      endOpen: db
        .prepare(`UPDATE plays SET ended_at = max(?, started_at) WHERE station = ? AND ended_at IS NULL RETURNING ${PLAY_COLUMNS}`),
      insertPlay: db.prepare(
        'INSERT INTO plays (station, raw, artist, title, started_at, source) VALUES (@station, @raw, @artist, @title, @startedAt, @source)',
      ),
      pollOk: db.prepare(`INSERT INTO stations (id, last_success_at) VALUES (?, ?)
        ON CONFLICT (id) DO UPDATE SET last_success_at = excluded.last_success_at, consecutive_failures = 0`),
      pollFailed: db.prepare(`INSERT INTO stations (id, last_error_at, last_error, consecutive_failures) VALUES (?, ?, ?, 1)
        ON CONFLICT (id) DO UPDATE SET last_error_at = excluded.last_error_at, last_error = excluded.last_error,
        consecutive_failures = consecutive_failures + 1`),
      openPlays: db.prepare(`SELECT ${PLAY_COLUMNS} FROM plays WHERE ended_at IS NULL`),
      nowPlaying: db.prepare(`SELECT ${HEALTH_COLUMNS}, p.id AS playId, p.raw, p.artist, p.title,
        p.started_at AS startedAt, p.source
        FROM stations s LEFT JOIN plays p ON p.station = s.id AND p.ended_at IS NULL ORDER BY s.id`),
      playStart: db.prepare('SELECT started_at FROM plays WHERE id = ?').pluck(),
      lastEnd: db.prepare('SELECT ended_at FROM plays WHERE station = ? ORDER BY started_at DESC, id DESC LIMIT 1').pluck(),
    };
    this.writeQueue = db.transaction((writes: QueuedWrite[]) => {
      const flushed: Flushed = { opened: [], silenced: [] };
      const silent = new Map<string, StoredPlay>();
      for (const w of writes) this.write(w, flushed.opened, silent);
      flushed.silenced = [...silent.values()];
      return flushed;
    });
    this.writeStations = db.transaction((stations) => {
      for (const st of stations) this.s.upsertStation.run(st.id, st.name ?? null);
    });
  }

  openPlays(): Map<string, StoredPlay> {
    const rows = this.s.openPlays.all() as StoredPlay[];
    return new Map(rows.map((p) => [p.station, p]));
  }

  recordChange(station: string, at: number, next: PlayStart | null): void {
    checkTime(at);
    // Checked here, not by the CHECK constraint at flush time, so one bad call cannot poison the whole queue.
    if (next !== null && !SOURCES.includes(next.source)) throw new TypeError(`unknown play source ${String(next.source)}`);
    this.queue.push({ kind: 'change', station, at, next });
  }

  recordPoll(station: string, at: number, error: string | null): void {
    checkTime(at);
    if (error !== null) this.healthyAt.delete(station);
    else {
      const last = this.healthyAt.get(station);
      if (last !== undefined && at >= last && at - last < HEALTH_REFRESH_MS) return;
      this.healthyAt.set(station, at);
    }
    this.queue.push({ kind: 'poll', station, at, error });
  }

  upsertStations(stations: { id: string; name?: string | undefined }[]): void {
    this.writeStations(stations);
  }

  flush(): Flushed {
    if (this.queue.length === 0) return { opened: [], silenced: [] };
    // If the transaction throws it rolls back and the queue stays as it was, to be retried by the next flush.
    const flushed = this.writeQueue(this.queue);
    this.queue = [];
    return flushed;
  }

  pending(): number {
    return this.queue.length;
  }

  nowPlaying(): { station: StationHealth; play: StoredPlay | null }[] {
    // Without an open play the LEFT JOIN leaves playId and the play columns null.
    type Row = StationHealth & Pick<StoredPlay, 'raw' | 'artist' | 'title' | 'startedAt' | 'source'> & { playId: number | null };
    const rows = this.s.nowPlaying.all() as Row[];
    return rows.map(({ station, name, lastSuccessAt, lastErrorAt, lastError, consecutiveFailures, playId, ...p }) => ({
      station: { station, name, lastSuccessAt, lastErrorAt, lastError, consecutiveFailures },
      play: playId === null ? null : { id: playId, station, ...p, endedAt: null },
    }));
  }

  history(query: HistoryQuery): IterableIterator<StoredPlay> {
    const cursor = query.afterId === undefined ? undefined : (this.s.playStart.get(query.afterId) as number | undefined);
    const { sql, params } = historySql(query, cursor);
    // Prepared per call, not cached: one statement cannot run two iterators at once, and two readers of the
    // same shape (API requests) may overlap. Preparing costs microseconds next to the query.
    return this.db.prepare(sql).iterate(params) as IterableIterator<StoredPlay>;
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.flush();
    } finally {
      this.db.close();
    }
  }

  /** Writes one queued write; a change adds what it opens to `opened` and keeps `silent` per station. */
  private write(w: QueuedWrite, opened: StoredPlay[], silent: Map<string, StoredPlay>): void {
    if (w.kind === 'poll') {
      if (w.error === null) this.s.pollOk.run(w.station, w.at);
      else this.s.pollFailed.run(w.station, w.at, w.error);
      return;
    }
    this.s.ensureStation.run(w.station);
    const ended = this.s.endOpen.get(w.at, w.station) as StoredPlay | undefined;
    if (w.next === null) {
      if (ended) silent.set(w.station, ended);
      return;
    }
    silent.delete(w.station);
    // Never before the station's previous play ended, so its plays never overlap even if the clock stepped back.
    const startedAt = ended?.endedAt ?? Math.max(w.at, (this.s.lastEnd.get(w.station) as number | null | undefined) ?? w.at);
    const play = { station: w.station, ...pick(w.next), startedAt };
    const id = Number(this.s.insertPlay.run(play).lastInsertRowid);
    opened.push({ id, ...play, endedAt: null });
  }
}

function pick({ raw, artist, title, source }: PlayStart): PlayStart {
  return { raw, artist, title, source };
}

function checkTime(at: number): void {
  if (!Number.isFinite(at)) throw new TypeError(`time must be epoch milliseconds, got ${at}`);
}
