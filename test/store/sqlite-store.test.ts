import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlayStart, StoredPlay } from '../../src/store/play-store.ts';
import { openDatabase } from '../../src/store/db.ts';
import { HEALTH_REFRESH_MS, SqliteStore } from '../../src/store/sqlite-store.ts';

const song = (raw: string, source: PlayStart['source'] = 'feed'): PlayStart => {
  const [artist, title] = raw.split(' - ');
  return { raw, artist: title === undefined ? null : artist!, title: title ?? raw, source };
};

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'onair-store-'));
  store = SqliteStore.open(':memory:');
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const all = (s: SqliteStore = store) => [...s.history({})];

describe('SqliteStore writes', () => {
  it('writes nothing until flush, then returns the opened play with its id', () => {
    store.recordChange('groove', 1000, song('A - One'));
    expect(store.pending()).toBe(1);
    expect(all()).toEqual([]);
    const { opened, silenced } = store.flush();
    expect(opened).toEqual([
      { id: expect.any(Number), station: 'groove', raw: 'A - One', artist: 'A', title: 'One', startedAt: 1000, endedAt: null, source: 'feed' },
    ]);
    expect(silenced).toEqual([]);
    expect(store.pending()).toBe(0);
    expect(all()).toEqual(opened);
  });

  it('closes the previous play when the next one opens', () => {
    store.recordChange('groove', 1000, song('A - One'));
    store.recordChange('groove', 5000, song('B - Two', 'stream'));
    store.flush();
    expect(all().map((p) => [p.raw, p.startedAt, p.endedAt, p.source])).toEqual([
      ['A - One', 1000, 5000, 'feed'],
      ['B - Two', 5000, null, 'stream'],
    ]);
  });

  it('closes the open play without opening another when the change is to nothing', () => {
    store.recordChange('groove', 1000, song('A - One'));
    store.recordChange('groove', 3000, null);
    const flushed = store.flush();
    expect(flushed.opened).toHaveLength(1);
    // The station is silent after this flush: the ended play comes back, with its end.
    expect(flushed.silenced).toEqual([{ ...flushed.opened[0], endedAt: 3000 }]);
    expect(all().map((p) => p.endedAt)).toEqual([3000]);
    expect(store.openPlays().size).toBe(0);
    // Silent, then on air again within one flush: nothing is reported silent.
    store.recordChange('groove', 4000, song('B - Two'));
    store.recordChange('groove', 5000, null);
    store.recordChange('groove', 6000, song('C - Three'));
    expect(store.flush()).toMatchObject({ opened: [{ raw: 'B - Two' }, { raw: 'C - Three' }], silenced: [] });
  });

  it('never ends a play before it started nor overlaps the previous one when the clock steps back', () => {
    store.recordChange('groove', 5000, song('A - One'));
    store.recordChange('groove', 4000, song('B - Two'));
    store.recordChange('groove', 6000, null);
    store.recordChange('groove', 5500, song('C - Three'));
    store.flush();
    expect(all().map((p) => [p.startedAt, p.endedAt])).toEqual([
      [5000, 5000],
      [5000, 6000],
      [6000, null],
    ]);
  });

  it('writes a thousand stations in one transaction: all of it or none of it', () => {
    const file = join(dir, 'onair.db');
    const db = openDatabase(file);
    const s = new SqliteStore(db);
    for (let i = 0; i < 1000; i++) s.recordChange(`st${i}`, 1000 + i, song(`Artist ${i} - Song`));
    // A trigger that fails the last insert: if the batch were several transactions, earlier rows would stay.
    db.exec(`CREATE TRIGGER fail_last BEFORE INSERT ON plays WHEN NEW.station = 'st999'
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    expect(() => s.flush()).toThrow('disk on fire');
    expect(db.prepare('SELECT count(*) FROM plays').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM stations').pluck().get()).toBe(0);
    expect(s.pending()).toBe(1000);

    db.exec('DROP TRIGGER fail_last');
    expect(s.flush().opened).toHaveLength(1000);
    expect(s.pending()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM plays WHERE ended_at IS NULL').pluck().get()).toBe(1000);
    expect(db.prepare('SELECT count(*) FROM stations').pluck().get()).toBe(1000);
    s.close();
  });

  it('rejects an unknown play source at once instead of failing the whole flush later', () => {
    expect(() => store.recordChange('groove', 1, { ...song('x'), source: 'radio' as never })).toThrow(TypeError);
    expect(store.pending()).toBe(0);
  });

  it('restores the open plays after the database is closed and reopened', () => {
    const file = join(dir, 'onair.db');
    const s = SqliteStore.open(file);
    s.recordChange('groove', 1000, song('A - One'));
    s.recordChange('groove', 2000, song('B - Two'));
    s.recordChange('jazz', 1500, song('C - Three'));
    s.recordChange('talk', 1500, song('D - Four'));
    s.recordChange('talk', 1600, null);
    s.close(); // flushes
    const again = SqliteStore.open(file);
    const open = again.openPlays();
    expect([...open.keys()].sort()).toEqual(['groove', 'jazz']);
    expect(open.get('groove')).toMatchObject({ raw: 'B - Two', startedAt: 2000, endedAt: null });
    again.close();
  });

  it('refuses a second open play for a station at the database level', () => {
    const db = openDatabase(':memory:');
    db.exec("INSERT INTO stations (id) VALUES ('groove')");
    const insert = db.prepare("INSERT INTO plays (station, raw, started_at, source) VALUES ('groove', 'x', 1, 'feed')");
    insert.run();
    expect(() => insert.run()).toThrow(/UNIQUE constraint failed/);
    db.close();
  });

  it('keeps one open play per station, no overlaps and no negative durations, whatever the changes', () => {
    const change = fc.record({
      station: fc.constantFrom('a', 'b', 'c'),
      at: fc.integer({ min: 0, max: 10_000 }),
      next: fc.option(fc.string({ maxLength: 5 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(change, { maxLength: 20 }), { maxLength: 5 }), (batches) => {
        const s = SqliteStore.open(':memory:');
        for (const batch of batches) {
          for (const c of batch) s.recordChange(c.station, c.at, c.next === null ? null : song(c.next));
          s.flush();
        }
        const plays = all(s);
        s.close();
        for (const station of ['a', 'b', 'c']) {
          const mine = plays.filter((p) => p.station === station).sort((x, y) => x.id - y.id);
          expect(mine.filter((p) => p.endedAt === null).length).toBeLessThanOrEqual(1);
          mine.forEach((p, i) => {
            expect(p.endedAt ?? Infinity).toBeGreaterThanOrEqual(p.startedAt);
            if (i > 0) expect(p.startedAt).toBeGreaterThanOrEqual(mine[i - 1]!.endedAt!);
          });
        }
      }),
    );
  });
});

describe('SqliteStore station health', () => {
  it('counts consecutive failures, keeps the last error, and resets the count on success', () => {
    store.upsertStations([{ id: 'groove', name: 'Groove Salad' }]);
    store.recordPoll('groove', 1000, 'ECONNRESET');
    store.recordPoll('groove', 2000, 'timeout');
    store.flush();
    expect(store.nowPlaying()[0]!.station).toEqual({
      station: 'groove', name: 'Groove Salad', lastSuccessAt: null, lastErrorAt: 2000, lastError: 'timeout', consecutiveFailures: 2,
    });
    store.recordPoll('groove', 3000, null);
    store.flush();
    expect(store.nowPlaying()[0]!.station).toMatchObject({ lastSuccessAt: 3000, lastErrorAt: 2000, consecutiveFailures: 0 });
  });

  it('rewrites a healthy station\'s last success at most once per refresh period, a failure and recovery at once', () => {
    const t0 = 1_000_000;
    store.recordPoll('groove', t0, null);
    store.flush();
    store.recordPoll('groove', t0 + 10_000, null);
    expect(store.pending()).toBe(0);
    store.recordPoll('groove', t0 + HEALTH_REFRESH_MS, null);
    store.flush();
    expect(store.nowPlaying()[0]!.station).toMatchObject({ lastSuccessAt: t0 + HEALTH_REFRESH_MS, consecutiveFailures: 0 });
    store.recordPoll('groove', t0 + HEALTH_REFRESH_MS + 10_000, 'timeout');
    store.recordPoll('groove', t0 + HEALTH_REFRESH_MS + 20_000, null);
    store.flush();
    expect(store.nowPlaying()[0]!.station).toMatchObject({ lastSuccessAt: t0 + HEALTH_REFRESH_MS + 20_000, lastError: 'timeout', consecutiveFailures: 0 });
  });

  it('creates the station row for a poll of a station it has not seen', () => {
    store.recordPoll('new', 1000, 'HTTP 500');
    store.flush();
    expect(store.nowPlaying()[0]!.station).toMatchObject({ station: 'new', name: null, consecutiveFailures: 1 });
  });

  it('updates station names from the station list', () => {
    store.upsertStations([{ id: 'groove', name: 'Old' }, { id: 'jazz' }]);
    store.upsertStations([{ id: 'groove', name: 'Groove Salad' }]);
    expect(store.nowPlaying().map((n) => [n.station.station, n.station.name])).toEqual([
      ['groove', 'Groove Salad'],
      ['jazz', null],
    ]);
  });

  it('lists every station with its open play, or null when it plays nothing', () => {
    store.upsertStations([{ id: 'silent' }]);
    store.recordChange('groove', 1000, song('A - One'));
    store.recordChange('groove', 2000, song('B - Two'));
    const [opened] = store.flush().opened.slice(-1);
    const now = store.nowPlaying();
    expect(now.map((n) => n.station.station)).toEqual(['groove', 'silent']);
    expect(now[0]!.play).toEqual(opened);
    expect(now[1]!.play).toBeNull();
  });
});

describe('SqliteStore history', () => {
  // groove: A [1000,2000) B [2000,3000) C [3000,open); jazz: X [1500,2500) Y [2500,open)
  beforeEach(() => {
    for (const [station, at, raw] of [
      ['groove', 1000, 'A'], ['jazz', 1500, 'X'], ['groove', 2000, 'B'], ['jazz', 2500, 'Y'], ['groove', 3000, 'C'],
    ] as const) store.recordChange(station, at, song(raw));
    store.flush();
  });
  const raws = (plays: Iterable<StoredPlay>) => [...plays].map((p) => p.raw);

  it('lists plays oldest first, or newest first on request', () => {
    expect(raws(store.history({}))).toEqual(['A', 'X', 'B', 'Y', 'C']);
    expect(raws(store.history({ newestFirst: true }))).toEqual(['C', 'Y', 'B', 'X', 'A']);
  });

  it('filters by stations, treating an empty list as every station', () => {
    expect(raws(store.history({ stations: ['jazz'] }))).toEqual(['X', 'Y']);
    expect(raws(store.history({ stations: ['jazz', 'groove'] }))).toEqual(['A', 'X', 'B', 'Y', 'C']);
    expect(raws(store.history({ stations: [] }))).toHaveLength(5);
  });

  it('keeps plays still on air at `since` and plays that started before `until`', () => {
    expect(raws(store.history({ since: 2501 }))).toEqual(['B', 'Y', 'C']);
    expect(raws(store.history({ until: 2500 }))).toEqual(['A', 'X', 'B']);
    expect(raws(store.history({ since: 2001, until: 3000, stations: ['groove'] }))).toEqual(['B']);
  });

  it('orders plays that start together by id', () => {
    store.recordChange('talk', 2000, song('T'));
    store.flush();
    expect(raws(store.history({ since: 2001, until: 2001 }))).toEqual(['X', 'B', 'T']);
  });

  it('pages through every play exactly once with limit and afterId, in both directions', () => {
    // A clock step back makes ids and start times disagree; the cursor must still not skip or repeat.
    store.recordChange('talk', 500, song('Early'));
    store.flush();
    for (const newestFirst of [false, true]) {
      const pages: string[][] = [];
      let afterId: number | undefined;
      for (;;) {
        const page = [...store.history({ newestFirst, limit: 2, ...(afterId === undefined ? {} : { afterId }) })];
        if (page.length === 0) break;
        pages.push(page.map((p) => p.raw));
        afterId = page.at(-1)!.id;
      }
      expect(pages.flat()).toEqual(raws(store.history({ newestFirst })));
      expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
    }
  });

  it('serves two interleaved readers of the same query', () => {
    const a = store.history({ stations: ['groove'] });
    const b = store.history({ stations: ['groove'] });
    expect([a.next().value?.raw, b.next().value?.raw, a.next().value?.raw]).toEqual(['A', 'A', 'B']);
    a.return?.();
    b.return?.();
  });

  it('reads history lazily, one row at a time', () => {
    const it = store.history({});
    expect(it.next().value).toMatchObject({ raw: 'A' });
    it.return?.();
    store.recordChange('groove', 9000, null);
    expect(() => store.flush()).not.toThrow();
  });
});
