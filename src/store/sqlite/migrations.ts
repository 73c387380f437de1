// The schema, as an append-only list of migrations: never edit or reorder an entry, add a new one.
// Each runs in its own transaction and bumps PRAGMA user_version inside it, so a crash leaves the
// database at a whole version (the miniflux / graphile-worker pattern).
import type Database from 'better-sqlite3';
import { OnairError } from '../../errors.ts';

/** Migration n (1-based) brings the database to user_version n. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE stations (
    id TEXT PRIMARY KEY,
    name TEXT,
    last_success_at INTEGER,
    last_error_at INTEGER,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE plays (
    id INTEGER PRIMARY KEY,
    station TEXT NOT NULL REFERENCES stations(id),
    raw TEXT NOT NULL,
    artist TEXT,
    title TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    source TEXT NOT NULL CHECK (source IN ('feed', 'stream'))
  );
  CREATE INDEX plays_station_started ON plays (station, started_at);
  -- (started_at) implicitly ends with the rowid, so it serves ORDER BY started_at, id without a sort.
  CREATE INDEX plays_started ON plays (started_at);
  -- A station plays one thing at a time: at most one open play each.
  CREATE UNIQUE INDEX plays_one_open ON plays (station) WHERE ended_at IS NULL;
  `,
  `
  -- Several nodes on one file (onair run --workers N): stations map to 256 partitions, each leased to one node.
  -- Times are epoch ms on this machine's clock. epoch grows with every change of owner and fences writes.
  CREATE TABLE partition_lease (
    part INTEGER PRIMARY KEY CHECK (part BETWEEN 0 AND 255),
    owner TEXT,
    epoch INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL DEFAULT 0
  );
  WITH RECURSIVE n(part) AS (SELECT 0 UNION ALL SELECT part + 1 FROM n WHERE part < 255)
  INSERT INTO partition_lease (part) SELECT part FROM n;
  CREATE TABLE nodes (
    node TEXT PRIMARY KEY,
    heartbeat_at INTEGER NOT NULL,
    api_url TEXT,
    info TEXT
  );
  -- Who wrote each play, under which lease: the audit that no fenced writer ever got a play in.
  ALTER TABLE plays ADD COLUMN writer TEXT;
  ALTER TABLE plays ADD COLUMN part INTEGER;
  ALTER TABLE plays ADD COLUMN epoch INTEGER;
  `,
];

/** Brings the database up to the newest schema; refuses one written by a newer onair. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new OnairError(
      'ONAIR_DB_TOO_NEW',
      `database ${db.name} has schema version ${current}, newer than this onair knows (${MIGRATIONS.length}); upgrade onair`,
    );
  }
  MIGRATIONS.slice(current).forEach((sql, i) => {
    const version = current + i + 1;
    // immediate: take the write lock before reading anything, so two processes cannot both migrate.
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  });
}
