// Picks the store implementation for a `--db` value. Today every value is a SQLite file path (or ":memory:");
// a server database URL is refused here, by name, until its implementation lands beside sqlite/.
import { ConfigError } from '../errors.ts';
import { redactUrl } from '../url.ts';
import type { PlayReader, PlayStore } from './contract.ts';
import { SqliteReader, SqliteStore } from './sqlite/sqlite-store.ts';

function checkLocation(location: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    throw new ConfigError(`--db "${String(redactUrl(location))}": only a SQLite file path is supported by this onair`);
}

/** The crawler's store: opens (creating and migrating) the database. */
export async function openStore(location: string): Promise<PlayStore> {
  checkLocation(location);
  return SqliteStore.open(location);
}

/** A read-only view of an existing database, beside a crawler that may be writing to it. */
export async function openReader(location: string): Promise<PlayReader> {
  checkLocation(location);
  return SqliteReader.open(location);
}
