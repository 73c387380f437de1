// The store contract on PostgreSQL (postgres.js), for nodes on several machines sharing one history. Same
// tables, same behaviour as SQLite's store (test/store/contract.ts runs against both): a flush is one
// transaction, history is read in pages, and no read holds a connection between pages.
import type postgres from 'postgres';
import {
  lastOpenedId,
  type Flushed,
  Heartbeat,
  HistoryQuery,
  Lease,
  NodeRow,
  NowPlayingRow,
  PlayReader,
  PlayStart,
  PlayStore,
  StationHealth,
  StationListStore,
  StationsDocument,
  StoredPlay,
  WriteFence,
} from '../contract.ts';
import { historyInPages } from '../history-pages.ts';
import { WriteQueue, type QueuedWrite, type WriteBatch } from '../write-queue.ts';
import { connectPostgres } from './connect.ts';
import { migrate } from './migrations.ts';

/** Columns of `plays` under the names of StoredPlay (quoted: PostgreSQL folds unquoted names to lower case). */
const PLAY_COLUMNS = 'id, station, raw, artist, title, started_at AS "startedAt", ended_at AS "endedAt", source';
const HEALTH_COLUMNS = `s.id AS station, s.name, s.last_success_at AS "lastSuccessAt", s.last_error_at AS "lastErrorAt",
  s.last_error AS "lastError", s.consecutive_failures AS "consecutiveFailures"`;

/**
 * Taken at the top of every flush, so flushes commit one at a time and play ids become visible in commit
 * order: a reader resuming after id N never misses a lower id committed later (bigserial alone allows that).
 */
const PLAYS_ORDER_LOCK = 7_346_002;

/** The channel each flush that wrote plays notifies: a wake-up for every node's live events, not their content. */
export const PLAYS_CHANNEL = 'onair_plays';
/** The channel a node notifies when it gives leases back: a wake-up for the others' next round. */
export const LEASE_CHANNEL = 'onair_lease';

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

  async openPlaysOf(stations: readonly string[]): Promise<Map<string, StoredPlay>> {
    const rows = await this.sql<StoredPlay[]>`SELECT ${this.columns} FROM plays WHERE ended_at IS NULL AND station = ANY(${stations as string[]})`;
    return new Map(rows.map((p) => [p.station, { ...p }]));
  }

  async healthOf(stations: readonly string[]): Promise<Map<string, StationHealth>> {
    const rows = await this.sql<StationHealth[]>`SELECT ${this.sql.unsafe(HEALTH_COLUMNS)} FROM stations s WHERE s.id = ANY(${stations as string[]})`;
    return new Map(rows.map((h) => [h.station, { ...h }]));
  }

  async nodes(withinMs: number): Promise<NodeRow[]> {
    const rows = await this.sql<NodeRow[]>`
      SELECT n.node, (extract(epoch FROM n.heartbeat_at) * 1000)::float8 AS "heartbeatAt", n.api_url AS "apiUrl", n.info,
        (SELECT count(*)::int FROM partition_lease l WHERE l.owner = n.node AND l.expires_at > now()) AS partitions
      FROM nodes n WHERE n.heartbeat_at > now() - ${withinMs} * interval '1 millisecond' ORDER BY n.node COLLATE "C"`;
    return rows.map((n) => ({ ...n }));
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

  async lastPlayId(): Promise<number> {
    return (await this.sql<{ id: number }[]>`SELECT coalesce(max(id), 0)::bigint AS id FROM plays`)[0]!.id;
  }

  async watchPlays(hint: () => void): Promise<() => Promise<void>> {
    // On its own connection; postgres.js LISTENs again after a reconnect, and calls the second hint then,
    // because what was committed during the gap was never notified.
    const { unlisten } = await this.sql.listen(PLAYS_CHANNEL, () => hint(), () => hint());
    return unlisten;
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
export class PostgresStore extends PostgresReader implements PlayStore, StationListStore {
  /** Connects (rejecting with ONAIR_DB_UNREACHABLE when the server does not answer) and migrates. */
  static override async open(url: string): Promise<PostgresStore> {
    const sql = await connectPostgres(url);
    try {
      // Again if the connection drops under it: a migration that did commit finds its version and does nothing.
      await againIfConnectionLost(() => migrate(sql, new URL(url).pathname.slice(1) || 'postgres'));
      await sql`DELETE FROM write_batches WHERE committed_at < now() - interval '1 day'`;
    } catch (err) {
      await sql.end({ timeout: 1 });
      throw err;
    }
    return new PostgresStore(sql);
  }

  private readonly queue = new WriteQueue();

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

  async renewLeases(node: string, held: readonly Lease[], ttlMs: number, heartbeat: Heartbeat): Promise<{ renewed: number[]; liveNodes: number }> {
    const ttl = this.sql`${ttlMs} * interval '1 millisecond'`;
    return this.sql.begin(async (tx) => {
      await tx`INSERT INTO nodes (node, heartbeat_at, api_url, info) VALUES (${node}, now(), ${heartbeat.apiUrl}, ${tx.json(heartbeat.info as postgres.JSONValue)})
        ON CONFLICT (node) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, api_url = excluded.api_url, info = excluded.info`;
      // Owner- and epoch-scoped: a partition someone else took (a higher epoch) is not extended by mistake.
      const renewed = held.length
        ? await tx<{ part: number }[]>`
          UPDATE partition_lease l SET expires_at = now() + ${ttl}
          FROM unnest(${held.map((l) => l.part)}::smallint[], ${held.map((l) => l.epoch)}::bigint[]) AS m(part, epoch)
          WHERE l.part = m.part AND l.epoch = m.epoch AND l.owner = ${node} RETURNING l.part`
        : [];
      await tx`DELETE FROM nodes WHERE heartbeat_at < now() - interval '1 day'`;
      const [live] = await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM nodes WHERE heartbeat_at > now() - ${ttl}`;
      return { renewed: renewed.map((r) => r.part), liveNodes: live!.n };
    }) as Promise<{ renewed: number[]; liveNodes: number }>;
  }

  async acquireLeases(node: string, max: number, ttlMs: number): Promise<Lease[]> {
    if (max <= 0) return [];
    // SKIP LOCKED: nodes racing for the same free partitions get disjoint sets, and a row held by a flush's
    // FOR SHARE (its owner still writing) is left for a later round.
    const rows = await this.sql<Lease[]>`
      UPDATE partition_lease l SET owner = ${node}, epoch = l.epoch + 1, expires_at = now() + ${ttlMs} * interval '1 millisecond'
      WHERE l.part IN (SELECT part FROM partition_lease WHERE owner IS NULL OR expires_at <= now()
                       ORDER BY part LIMIT ${max} FOR UPDATE SKIP LOCKED)
      RETURNING l.part, l.epoch`;
    return rows.map((r) => ({ part: r.part, epoch: r.epoch }));
  }

  async releaseLeases(node: string, leases: readonly Lease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.sql`
      UPDATE partition_lease l SET owner = NULL, expires_at = '-infinity'
      FROM unnest(${leases.map((l) => l.part)}::smallint[], ${leases.map((l) => l.epoch)}::bigint[]) AS m(part, epoch)
      WHERE l.part = m.part AND l.epoch = m.epoch AND l.owner = ${node}`;
    await this.sql`SELECT pg_notify(${LEASE_CHANNEL}, ${node})`;
  }

  async leave(node: string): Promise<void> {
    await this.sql.begin(async (tx) => {
      const freed = await tx`UPDATE partition_lease SET owner = NULL, expires_at = '-infinity' WHERE owner = ${node} RETURNING part`;
      await tx`DELETE FROM nodes WHERE node = ${node}`;
      if (freed.length) await tx`SELECT pg_notify(${LEASE_CHANNEL}, ${node})`;
    });
  }

  async watchLeases(hint: () => void): Promise<() => Promise<void>> {
    const { unlisten } = await this.sql.listen(LEASE_CHANNEL, () => hint());
    return unlisten;
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
    const fence = this.queue.fence;
    return this.sql.begin(async (tx) => {
      const flushed: Flushed = { opened: [], silenced: [], fenced: [] };
      await tx`SELECT pg_advisory_xact_lock(${PLAYS_ORDER_LOCK})`;
      const fresh = await tx`INSERT INTO write_batches (id) VALUES (${batch.id}) ON CONFLICT DO NOTHING RETURNING id`;
      // Its changes are in; what they opened reached no listener, and a client resuming by Last-Event-ID gets it.
      if (fresh.length === 0) return flushed;
      const current = fence && (await this.lockLeases(tx, fence.node, batch.writes));
      const refused = new Set<number>();
      const silent = new Map<string, StoredPlay>();
      for (const w of batch.writes) {
        if (current && w.lease && !current.has(leaseKey(w.lease))) refused.add(w.lease.part);
        else await this.write(tx, w, flushed.opened, silent);
      }
      flushed.silenced = [...silent.values()];
      flushed.fenced = [...refused];
      if (flushed.opened.length || flushed.silenced.length) {
        await tx`SELECT pg_notify(${PLAYS_CHANNEL}, ${JSON.stringify({ node: fence?.node ?? null, maxId: lastOpenedId(flushed), silenced: flushed.silenced.length })})`;
      }
      return flushed;
    }) as Promise<Flushed>;
  }

  /**
   * The fence: the leases of the batch that are still the node's, locked FOR SHARE until the commit, so a
   * takeover (which bumps the epoch) waits for this flush instead of slipping in between check and write.
   */
  private async lockLeases(tx: Sql, node: string, writes: readonly QueuedWrite[]): Promise<Set<string>> {
    const leases = new Map<string, Lease>();
    for (const w of writes) if (w.lease) leases.set(leaseKey(w.lease), w.lease);
    if (leases.size === 0) return new Set();
    const all = [...leases.values()];
    const rows = await tx<Lease[]>`
      SELECT l.part, l.epoch FROM partition_lease l
      JOIN unnest(${all.map((l) => l.part)}::smallint[], ${all.map((l) => l.epoch)}::bigint[]) AS m(part, epoch)
        ON l.part = m.part AND l.epoch = m.epoch
      WHERE l.owner = ${node} FOR SHARE OF l`;
    return new Set(rows.map(leaseKey));
  }

  async stationListVersion(): Promise<number> {
    return (await this.sql<{ version: number }[]>`SELECT version FROM station_list WHERE id = 1`)[0]!.version;
  }

  async readStationList(): Promise<{ version: number; doc: StationsDocument }> {
    return this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', (tx) => readList(tx)) as Promise<{ version: number; doc: StationsDocument }>;
  }

  async editStationList(edit: (doc: StationsDocument) => StationsDocument): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      await tx`SELECT 1 FROM station_list WHERE id = 1 FOR UPDATE`;
      const { doc } = await readList(tx);
      const next = edit(doc);
      // jsonb keeps its own key order: compare canonical forms, so the same list written again is no change.
      if (canonicalJson(next) === canonicalJson(doc)) return false;
      const { stations, ...settings } = next;
      const ids = stations.map((e) => (e as { id: string }).id);
      await tx`UPDATE stations SET entry = NULL, position = NULL WHERE entry IS NOT NULL AND NOT (id = ANY(${ids}))`;
      if (ids.length)
        await tx`
          INSERT INTO stations (id, name, entry, position)
          SELECT e ->> 'id', e ->> 'name', e, ord::int FROM jsonb_array_elements(${tx.json(stations as postgres.JSONValue)}) WITH ORDINALITY AS t(e, ord)
          ON CONFLICT (id) DO UPDATE SET entry = excluded.entry, position = excluded.position, name = excluded.name`;
      await tx`UPDATE station_list SET version = version + 1, settings = ${tx.json(settings as postgres.JSONValue)} WHERE id = 1`;
      return true;
    }) as Promise<boolean>;
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
    const writer = this.queue.fence?.node ?? null;
    const [row] = await tx<{ id: number }[]>`
      INSERT INTO plays (station, raw, artist, title, started_at, source, writer, part, epoch)
      VALUES (${w.station}, ${raw}, ${artist}, ${title}, ${startedAt}, ${source}, ${writer}, ${w.lease?.part ?? null}, ${w.lease?.epoch ?? null})
      RETURNING id`;
    opened.push({ id: row!.id, station: w.station, raw, artist, title, source, startedAt, endedAt: null });
  }
}

async function readList(tx: Sql): Promise<{ version: number; doc: StationsDocument }> {
  const [list] = await tx<{ version: number; settings: Record<string, unknown> }[]>`SELECT version, settings FROM station_list WHERE id = 1`;
  const rows = await tx<{ entry: unknown }[]>`SELECT entry FROM stations WHERE entry IS NOT NULL ORDER BY position`;
  return { version: list!.version, doc: { ...list!.settings, stations: rows.map((r) => r.entry) } };
}

/** JSON with every object's keys sorted: equal for equal values, whatever order their keys came in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Runs `op`, and up to twice more if the connection was lost under it (not for any other error). */
async function againIfConnectionLost<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 3 || !['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'ECONNRESET'].includes(code ?? '')) throw err;
    }
  }
}

function leaseKey(l: Lease): string {
  return `${l.part}:${l.epoch}`;
}
