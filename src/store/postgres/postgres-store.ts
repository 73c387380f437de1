// The store contract on PostgreSQL (postgres.js), for nodes on several machines sharing one history. Same
// tables, same behaviour as SQLite's store (test/store/contract.ts runs against both): a flush is one
// transaction, history is read in pages, and no read holds a connection between pages.
import type postgres from 'postgres';
import type { Flushed, HistoryQuery, NowPlayingRow, PlayReader, PlayStart, PlayStore, StationHealth, StoredPlay } from '../contract.ts';
import { historyInPages } from '../history-pages.ts';
import { WriteQueue, type QueuedWrite, type WriteBatch } from '../write-queue.ts';
import { connectPostgres } from './connect.ts';
import { migrate } from './migrations.ts';

/** Columns of `plays` under the names of StoredPlay (quoted: PostgreSQL folds unquoted names to lower case). */
const PLAY_COLUMNS = 'id, station, raw, artist, title, started_at AS "startedAt", ended_at AS "endedAt", source';

type Sql = postgres.Sql | postgres.TransactionSql;

export class PostgresReader implements PlayReader {
  /** A read-only view beside a crawler (the API): a small pool of its own. */
  static async open(url: string): Promise<PostgresReader> {
    return new PostgresReader(await connectPostgres(url, { max: 2 }));
  }

  constructor(protected readonly sql: postgres.Sql) {}

  protected get columns() {
    return this.sql.unsafe(PLAY_COLUMNS);
  }

  async openPlays(): Promise<Map<string, StoredPlay>> {
    const rows = await this.sql<StoredPlay[]>`SELECT ${this.columns} FROM plays WHERE ended_at IS NULL`;
    return new Map(rows.map((p) => [p.station, { ...p }]));
  }

  async nowPlaying(): Promise<NowPlayingRow[]> {
    type Row = StationHealth & Pick<StoredPlay, 'raw' | 'artist' | 'title' | 'startedAt' | 'source'> & { playId: number | null };
    const rows = await this.sql<Row[]>`
      SELECT s.id AS station, s.name, s.last_success_at AS "lastSuccessAt", s.last_error_at AS "lastErrorAt",
        s.last_error AS "lastError", s.consecutive_failures AS "consecutiveFailures",
        p.id AS "playId", p.raw, p.artist, p.title, p.started_at AS "startedAt", p.source
      FROM stations s LEFT JOIN plays p ON p.station = s.id AND p.ended_at IS NULL ORDER BY s.id COLLATE "C"`;
    return rows.map(({ station, name, lastSuccessAt, lastErrorAt, lastError, consecutiveFailures, playId, raw, artist, title, startedAt, source }) => ({
      station: { station, name, lastSuccessAt, lastErrorAt, lastError, consecutiveFailures },
      play: playId === null ? null : { id: playId, station, raw, artist, title, startedAt, source, endedAt: null },
    }));
  }

  history(query: HistoryQuery): AsyncGenerator<StoredPlay> {
    const sql = this.sql;
    const desc = query.newestFirst === true;
    return historyInPages(
      query,
      async (id) => (await sql<{ s: number }[]>`SELECT started_at AS s FROM plays WHERE id = ${id}`)[0]?.s,
      async (limit, cursor) => {
        const after =
          cursor === undefined
            ? sql``
            : cursor.startedAt === undefined
              ? desc ? sql`AND id < ${cursor.afterId}` : sql`AND id > ${cursor.afterId}`
              : desc ? sql`AND (started_at, id) < (${cursor.startedAt}, ${cursor.afterId})` : sql`AND (started_at, id) > (${cursor.startedAt}, ${cursor.afterId})`;
        const rows = await sql<StoredPlay[]>`
          SELECT ${this.columns} FROM plays WHERE true
          ${query.stations?.length ? sql`AND station = ANY(${query.stations})` : sql``}
          ${query.since === undefined ? sql`` : sql`AND (ended_at IS NULL OR ended_at >= ${query.since})`}
          ${query.until === undefined ? sql`` : sql`AND started_at < ${query.until}`}
          ${after}
          ORDER BY ${desc ? sql`started_at DESC, id DESC` : sql`started_at, id`} LIMIT ${limit}`;
        return rows.map((p) => ({ ...p }));
      },
    );
  }

  async playsAfter(id: number, limit: number): Promise<StoredPlay[]> {
    const rows = await this.sql<StoredPlay[]>`SELECT ${this.columns} FROM plays WHERE id > ${id} ORDER BY id LIMIT ${limit}`;
    return rows.map((p) => ({ ...p }));
  }

  async hasStation(id: string): Promise<boolean> {
    return (await this.sql`SELECT 1 FROM stations WHERE id = ${id}`).length > 0;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.sql`SELECT 1 AS ok`)[0]?.ok === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

/** The crawler's store on PostgreSQL: writes queued in memory, committed by flush() in one transaction. */
export class PostgresStore extends PostgresReader implements PlayStore {
  /** Connects (rejecting with ONAIR_DB_UNREACHABLE when the server does not answer) and migrates. */
  static override async open(url: string): Promise<PostgresStore> {
    const sql = await connectPostgres(url);
    try {
      await migrate(sql, new URL(url).pathname.slice(1) || 'postgres');
      await sql`DELETE FROM write_batches WHERE committed_at < now() - interval '1 day'`;
    } catch (err) {
      await sql.end({ timeout: 1 });
      throw err;
    }
    return new PostgresStore(sql);
  }

  private readonly queue = new WriteQueue();

  recordChange(station: string, at: number, next: PlayStart | null): void {
    this.queue.change(station, at, next);
  }

  recordPoll(station: string, at: number, error: string | null): void {
    this.queue.poll(station, at, error);
  }

  pending(): number {
    return this.queue.size;
  }

  async upsertStations(stations: { id: string; name?: string | undefined }[]): Promise<void> {
    if (stations.length === 0) return;
    const ids = stations.map((s) => s.id);
    const names = stations.map((s) => s.name ?? null);
    await this.sql`
      INSERT INTO stations (id, name) SELECT * FROM unnest(${ids}::text[], ${names}::text[])
      ON CONFLICT (id) DO UPDATE SET name = excluded.name`;
  }

  flush(): Promise<Flushed> {
    return this.queue.flush((batch) => this.commit(batch));
  }

  /** One batch in one transaction, once: a retry of a batch that did commit (its answer lost) writes nothing. */
  private commit(batch: WriteBatch): Promise<Flushed> {
    return this.sql.begin(async (tx) => {
      const flushed: Flushed = { opened: [], silenced: [] };
      const fresh = await tx`INSERT INTO write_batches (id) VALUES (${batch.id}) ON CONFLICT DO NOTHING RETURNING id`;
      // Its changes are in; what they opened reached no listener, and a client resuming by Last-Event-ID gets it.
      if (fresh.length === 0) return flushed;
      const silent = new Map<string, StoredPlay>();
      for (const w of batch.writes) await this.write(tx, w, flushed.opened, silent);
      flushed.silenced = [...silent.values()];
      return flushed;
    }) as Promise<Flushed>;
  }

  override async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await super.close();
    }
  }

  /** Writes one queued write, the way the SQLite store does (see its write()). */
  private async write(tx: Sql, w: QueuedWrite, opened: StoredPlay[], silent: Map<string, StoredPlay>): Promise<void> {
    if (w.kind === 'poll') {
      if (w.error === null)
        await tx`INSERT INTO stations (id, last_success_at) VALUES (${w.station}, ${w.at})
          ON CONFLICT (id) DO UPDATE SET last_success_at = excluded.last_success_at, consecutive_failures = 0`;
      else
        await tx`INSERT INTO stations (id, last_error_at, last_error, consecutive_failures) VALUES (${w.station}, ${w.at}, ${w.error}, 1)
          ON CONFLICT (id) DO UPDATE SET last_error_at = excluded.last_error_at, last_error = excluded.last_error,
          consecutive_failures = stations.consecutive_failures + 1`;
      return;
    }
    await tx`INSERT INTO stations (id) VALUES (${w.station}) ON CONFLICT DO NOTHING`;
    // GREATEST: a clock that stepped back must not end a play before it started.
    const [ended] = await tx<StoredPlay[]>`
      UPDATE plays SET ended_at = GREATEST(${w.at}::bigint, started_at) WHERE station = ${w.station} AND ended_at IS NULL
      RETURNING ${this.columns}`;
    if (w.next === null) {
      if (ended) silent.set(w.station, { ...ended });
      return;
    }
    silent.delete(w.station);
    let startedAt = ended?.endedAt ?? null;
    if (startedAt === null) {
      // Never before the station's previous play ended, so its plays never overlap even if the clock stepped back.
      const [last] = await tx<{ e: number | null }[]>`SELECT ended_at AS e FROM plays WHERE station = ${w.station} ORDER BY started_at DESC, id DESC LIMIT 1`;
      startedAt = Math.max(w.at, last?.e ?? w.at);
    }
    const { raw, artist, title, source } = w.next;
    const [row] = await tx<{ id: number }[]>`
      INSERT INTO plays (station, raw, artist, title, started_at, source) VALUES (${w.station}, ${raw}, ${artist}, ${title}, ${startedAt}, ${source})
      RETURNING id`;
    opened.push({ id: row!.id, station: w.station, raw, artist, title, source, startedAt, endedAt: null });
  }
}
