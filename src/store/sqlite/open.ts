// Opens the SQLite database with the pragmas onair relies on and brings its schema up to date.
// Knows nothing of plays or stations; see sqlite-store.ts for that.
import { closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.ts';

/**
 * Opens (creating if needed) the database at `file`, or an in-memory one for ":memory:".
 * A new file is private to its owner (0600, in a 0700 directory if that is new too).
 */
export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:' && file !== '') createPrivate(file);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file; one fsync per checkpoint.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

// Creating the file ourselves with mode 0600 leaves no window in which SQLite's default (0644 minus umask)
// applies; SQLite then gives the -wal and -shm files the main file's permissions.
function createPrivate(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  try {
    fchmodSync(fd, 0o600); // the umask may have taken bits away (even the owner's write bit)
  } finally {
    closeSync(fd);
  }
}
