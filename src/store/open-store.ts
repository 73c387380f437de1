// Picks the store implementation for a `--db` value: a postgres:// (or postgresql://) URL is the shared
// PostgreSQL store, anything else a SQLite file path (or ":memory:"). Another scheme is refused by name.
import { ConfigError } from '../errors.ts';
import { isPostgresUrl, redactUrl } from '../url.ts';
import type { PlayReader, PlayStore, StationListStore } from './contract.ts';
import { SqliteReader, SqliteStore } from './sqlite/sqlite-store.ts';


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

/** The station list a server database keeps, for the commands that edit it (`onair add --db postgres://…`). */
export async function openStationList(location: string): Promise<StationListStore & { close(): Promise<void> }> {
  if (engineOf(location) !== 'postgres')
    throw new ConfigError(`--db "${location}": a SQLite database keeps no station list (stations.json is the list); give --stations FILE, or a postgres:// URL`);
  return (await postgresEngine()).PostgresStore.open(location);
}

/** The store's station list, where its engine keeps one (PostgreSQL). */
export function stationListOf(store: PlayStore): StationListStore | undefined {
  return 'editStationList' in store ? (store as PlayStore & StationListStore) : undefined;
}
