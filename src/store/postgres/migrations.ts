// The PostgreSQL schema, as an append-only list of migrations: never edit or reorder an entry, add a new one.
// The same tables and columns as SQLite's (times are epoch milliseconds in bigint), so both engines answer
// alike, plus what only a server needs (write_batches). The pending migrations run in one transaction under
// an advisory lock, each in a savepoint, so two nodes starting together migrate once; the version lives in
// onair_schema and moves only when all of them went in.
import type postgres from 'postgres';
import { OnairError } from '../../errors.ts';

/** Migration n (1-based) brings the database to version n. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE stations (
    id text PRIMARY KEY,
    name text,
    last_success_at bigint,
    last_error_at bigint,
    last_error text,
    consecutive_failures integer NOT NULL DEFAULT 0
  );
  CREATE TABLE plays (
    id bigserial PRIMARY KEY,
    station text NOT NULL REFERENCES stations (id),
    raw text NOT NULL,
    artist text,
    title text,
    started_at bigint NOT NULL,
    ended_at bigint,
    source text NOT NULL CHECK (source IN ('feed', 'stream'))
  );
  CREATE INDEX plays_station_started ON plays (station, started_at, id);
  CREATE INDEX plays_started ON plays (started_at, id);
  -- A station plays one thing at a time: at most one open play each.
  CREATE UNIQUE INDEX plays_one_open ON plays (station) WHERE ended_at IS NULL;
  `,
  `
  -- One row per committed write batch, written in the batch's own transaction: a batch retried after a commit
  -- whose answer was lost finds its id here and is not written twice. Rows older than a day are pruned.
  CREATE TABLE write_batches (
    id uuid PRIMARY KEY,
    committed_at timestamptz NOT NULL DEFAULT now()
  );
  `,
  `
  -- Nodes share the stations by 256 partitions, each leased to one node; times on the server's clock. epoch
  -- grows with every change of owner and fences writes. fillfactor: renewals rewrite these rows every 2 s.
  CREATE TABLE partition_lease (
    part smallint PRIMARY KEY CHECK (part BETWEEN 0 AND 255),
    owner text,
    epoch bigint NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL DEFAULT '-infinity'
  ) WITH (fillfactor = 50);
  INSERT INTO partition_lease (part) SELECT generate_series(0, 255);
  CREATE TABLE nodes (
    node text PRIMARY KEY,
    heartbeat_at timestamptz NOT NULL,
    api_url text,
    info jsonb
  );
  -- Who wrote each play, under which lease: the audit that no fenced writer ever got a play in.
  ALTER TABLE plays ADD COLUMN writer text, ADD COLUMN part smallint, ADD COLUMN epoch bigint;
  `,
  `
  -- The station list, for nodes on several machines: each listed station's entry as in stations.json (a
  -- removed station keeps its row for its history, with entry NULL), and the list's defaults and junk with a
  -- version that every change bumps, so a node learns of a change with one tiny read.
  ALTER TABLE stations ADD COLUMN entry jsonb, ADD COLUMN position integer;
  CREATE TABLE station_list (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL DEFAULT 0,
    settings jsonb NOT NULL DEFAULT '{}'
  );
  INSERT INTO station_list (id) VALUES (1);
  `,
];

/** Any constant: the key of the advisory lock that serialises migrations across nodes. */
const MIGRATION_LOCK = 7_346_001;

/** Brings the database up to the newest schema; refuses one written by a newer onair. */
export async function migrate(sql: postgres.Sql, where: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS onair_schema (version integer NOT NULL)`;
    const [row] = await tx<{ version: number }[]>`SELECT version FROM onair_schema`;
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length)
      throw new OnairError('ONAIR_DB_TOO_NEW', `database ${where} has schema version ${current}, newer than this onair knows (${MIGRATIONS.length}); upgrade onair`);
    for (let v = current; v < MIGRATIONS.length; v++) {
      // One savepoint per migration inside the locked transaction: a failing one leaves the database whole.
      await tx.savepoint(async (sp) => {
        await sp.unsafe(MIGRATIONS[v]!);
      });
    }
    if (row === undefined) await tx`INSERT INTO onair_schema (version) VALUES (${MIGRATIONS.length})`;
    else if (current < MIGRATIONS.length) await tx`UPDATE onair_schema SET version = ${MIGRATIONS.length}`;
  });
}
