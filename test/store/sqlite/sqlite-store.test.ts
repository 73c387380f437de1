// The store contract's behaviour suite on SQLite, plus what only SQLite has: one file, one transaction per
// flush, and the constraint that backs "one open play per station".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/sqlite/open.ts';
import { SqliteReader, SqliteStore } from '../../../src/store/sqlite/sqlite-store.ts';
import { describeStoreContract, song } from '../contract.ts';

const dirs: string[] = [];
const newFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'onair-store-'));
  dirs.push(dir);
  return join(dir, 'onair.db');
};
const cleanup = async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
};

describeStoreContract('SQLite', {
  async open() {
    const file = newFile();
    return { store: SqliteStore.open(file), reopen: async () => SqliteStore.open(file) };
  },
  async breakCommits(store) {
    // A second connection on the same file: the store's own is not reachable through the contract.
    const db = new Database((store as unknown as { db: Database.Database }).db.name);
    db.exec(`CREATE TRIGGER fail_all BEFORE INSERT ON plays BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    return async () => {
      db.exec('DROP TRIGGER fail_all');
      db.close();
    };
  },
  cleanup,
});

describe('SQLite store', () => {
  afterEach(cleanup);

  it('writes a thousand stations in one transaction: all of it or none of it', async () => {
    const db = openDatabase(newFile());
    const s = new SqliteStore(db);
    for (let i = 0; i < 1000; i++) s.recordChange(`st${i}`, 1000 + i, song(`Artist ${i} - Song`));
    // A trigger that fails the last insert: if the batch were several transactions, earlier rows would stay.
    db.exec(`CREATE TRIGGER fail_last BEFORE INSERT ON plays WHEN NEW.station = 'st999'
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    await expect(s.flush()).rejects.toThrow('disk on fire');
    expect(db.prepare('SELECT count(*) FROM plays').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM stations').pluck().get()).toBe(0);
    expect(s.pending()).toBe(1000);

    db.exec('DROP TRIGGER fail_last');
    expect((await s.flush()).opened).toHaveLength(1000);
    expect(db.prepare('SELECT count(*) FROM plays WHERE ended_at IS NULL').pluck().get()).toBe(1000);
    expect(db.prepare('SELECT count(*) FROM stations').pluck().get()).toBe(1000);
    await s.close();
  });

  it('refuses a second open play for a station at the database level', () => {
    const db = openDatabase(':memory:');
    db.exec("INSERT INTO stations (id) VALUES ('groove')");
    const insert = db.prepare("INSERT INTO plays (station, raw, started_at, source) VALUES ('groove', 'x', 1, 'feed')");
    insert.run();
    expect(() => insert.run()).toThrow(/UNIQUE constraint failed/);
    db.close();
  });

  it('reads beside a writer through a read-only connection, which cannot write', async () => {
    const file = newFile();
    const store = SqliteStore.open(file);
    store.recordChange('groove', 1000, song('A - One'));
    await store.flush();
    const reader = SqliteReader.open(file);
    expect((await reader.nowPlaying()).map((r) => r.play?.raw)).toEqual(['A - One']);
    store.recordChange('groove', 2000, song('B - Two'));
    await store.flush();
    expect((await reader.openPlays()).get('groove')?.raw).toBe('B - Two');
    expect(() => (reader as unknown as { db: Database.Database }).db.exec("INSERT INTO stations (id) VALUES ('x')")).toThrow(/readonly/);
    await reader.close();
    expect(await reader.ping()).toBe(false);
    await store.close();
  });
});
