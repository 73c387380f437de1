// Picks the store implementation for a `--db` value: a postgres:// (or postgresql://) URL is the shared
// PostgreSQL store, anything else a SQLite file path (or ":memory:"). Another scheme is refused by name.
import { ConfigError } from '../errors.ts';
import { redactUrl } from '../url.ts';
import type { PlayReader, PlayStore } from './contract.ts';
import { SqliteReader, SqliteStore } from './sqlite/sqlite-store.ts';

/** True for a --db value that names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

// Loaded only when asked for: the embedded default never pays for the PostgreSQL client.
const postgresEngine = () => import('./postgres/postgres-store.ts');

function engineOf(location: string): 'postgres' | 'sqlite' {
  if (isPostgresUrl(location)) return 'postgres';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    throw new ConfigError(`--db "${String(redactUrl(location))}": give a SQLite file path or a postgres:// URL`);
  return 'sqlite';
}

/** The crawler's store: opens (creating and migrating) the database. */
export async function openStore(location: string): Promise<PlayStore> {
  return engineOf(location) === 'postgres' ? (await postgresEngine()).PostgresStore.open(location) : SqliteStore.open(location);
}

/** A read-only view of an existing database, beside a crawler that may be writing to it. */
export async function openReader(location: string): Promise<PlayReader> {
  return engineOf(location) === 'postgres' ? (await postgresEngine()).PostgresReader.open(location) : SqliteReader.open(location);
}
