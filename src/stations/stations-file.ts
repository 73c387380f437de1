// Reads and writes stations.json. Writes are atomic (temp file, fsync, rename) so a crash or a watching
// crawler never sees half a file; the mode is 0600 because station URLs may carry credentials.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, rmSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { validateStations, type StationsConfig } from './schema.ts';

/** Reads and validates a stations file; a missing or malformed file is a ConfigError naming it. */
export function loadStationsFile(file: string): StationsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  return validateStations(data, file);
}

/** Reads the raw JSON object (to edit it and keep fields onair does not know of its own layout). */
export function readStationsJson(file: string): { defaults?: unknown; junk?: unknown; stations: unknown[] } {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { stations?: unknown[] };
    return { ...data, stations: Array.isArray(data.stations) ? data.stations : [] };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { stations: [] };
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`);
  }
}

/** Validates and writes atomically. */
export function writeStationsFile(file: string, data: object): void {
  validateStations(data, file);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(data, null, 2)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
}
