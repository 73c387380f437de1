// The API's own read-only connection to the crawler's database. SQLite in WAL mode lets it read beside the
// writer, and a read here can never hold up a commit there (an open history iterator on the writer's
// connection would). Every read is bounded and taken whole, so no statement stays open between requests.
import Database from 'better-sqlite3';
import { PLAY_COLUMNS } from '../store/history-sql.ts';
import type { HistoryQuery, StationHealth, StoredPlay } from '../store/play-store.ts';
import { SqliteStore } from '../store/sqlite-store.ts';

export class ApiReader {
  private readonly db: Database.Database;
  private readonly store: SqliteStore;
  private readonly s;

  /** Opens `file`, which the crawler has already created and migrated. */
  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
    this.store = new SqliteStore(this.db);
    this.s = {
      // By id, not by start time: a live client resumes from the last event id it saw.
      playsAfter: this.db.prepare(`SELECT ${PLAY_COLUMNS} FROM plays WHERE id > ? ORDER BY id LIMIT ?`),
      hasStation: this.db.prepare('SELECT 1 FROM stations WHERE id = ?').pluck(),
      ping: this.db.prepare('SELECT 1').pluck(),
    };
  }

  /** False once closed or if the file can no longer be read. */
  get ok(): boolean {
    try {
      return this.db.open && this.s.ping.get() === 1;
    } catch {
      return false;
    }
  }

  nowPlaying(): { station: StationHealth; play: StoredPlay | null }[] {
    return this.store.nowPlaying();
  }

  /** One page of history, read whole. */
  history(query: HistoryQuery & { limit: number }): StoredPlay[] {
    return Array.from(this.store.history(query));
  }

  /** Up to `limit` plays with an id greater than `id`, in id order. */
  playsAfter(id: number, limit: number): StoredPlay[] {
    return this.s.playsAfter.all(id, limit) as StoredPlay[];
  }

  /** A station the database has ever known (its history outlives its removal from stations.json). */
  hasStation(id: string): boolean {
    return this.s.hasStation.get(id) !== undefined;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
