import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/sqlite/open.ts';
import { MIGRATIONS } from '../../../src/store/sqlite/migrations.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'onair-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

describe('openDatabase', () => {
  it('migrates a new database to the latest user_version', () => {
    const db = openDatabase(join(dir, 'a.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['nodes', 'partition_lease', 'plays', 'stations']);
    db.close();
  });

  it('reopens a migrated database without running migrations again or losing rows', () => {
    const file = join(dir, 'a.db');
    const db = openDatabase(file);
    db.prepare("INSERT INTO stations (id) VALUES ('groove')").run();
    db.close();
    const again = openDatabase(file);
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(again.prepare('SELECT id FROM stations').pluck().all()).toEqual(['groove']);
    again.close();
  });

  it('refuses a database written by a newer onair, naming both versions', () => {
    const file = join(dir, 'a.db');
    const db = openDatabase(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(`schema version ${MIGRATIONS.length + 1}, newer than this onair knows (${MIGRATIONS.length})`);
  });

  it('sets WAL mode, NORMAL sync, a busy timeout and foreign keys', () => {
    const db = openDatabase(join(dir, 'a.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('creates a missing parent directory as 0700 and the files as 0600, WAL and shared memory included', () => {
    const file = join(dir, 'data', 'nested', 'onair.db');
    const db = openDatabase(file);
    db.prepare("INSERT INTO stations (id) VALUES ('groove')").run();
    expect(mode(join(dir, 'data', 'nested'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(`${file}-shm`)).toBe(0o600);
    db.close();
  });

  it('opens an in-memory database with the schema', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });
});
