// The behaviour every PlayStore implementation must show, written against the contract only
// (src/store/contract.ts). Each engine runs it with a factory that opens a fresh, empty database.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAll, type Lease, type PlayStart, type PlayStore, type StoredPlay } from '../../src/store/contract.ts';
import { HEALTH_REFRESH_MS } from '../../src/store/write-queue.ts';
import { waitFor } from '../helpers/wait.ts';

export interface StoreEngine {
  /** A store on a new, empty database; `reopen` opens the same database again after close(). */
  open(): Promise<{ store: PlayStore; reopen(): Promise<PlayStore> }>;
  /** Makes every commit on `store`'s database fail until the returned function is called. */
  breakCommits(store: PlayStore): Promise<() => Promise<void>>;
  /** Cleans up after each test. */
  cleanup?(): Promise<void>;
}

export const song = (raw: string, source: PlayStart['source'] = 'feed'): PlayStart => {
  const [artist, title] = raw.split(' - ');
  return { raw, artist: title === undefined ? null : artist!, title: title ?? raw, source };
};

const raws = (plays: StoredPlay[]) => plays.map((p) => p.raw);

export function describeStoreContract(name: string, engine: StoreEngine): void {
  let store: PlayStore;
  let reopen: () => Promise<PlayStore>;
  const opened: PlayStore[] = [];
  beforeEach(async () => {
    ({ store, reopen } = await engine.open());
    opened.push(store);
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await engine.cleanup?.();
  });
  const all = (s: PlayStore = store) => readAll(s.history({}));

  describe(`${name}: writes`, () => {
    it('writes nothing until flush, then returns the opened play with its id', async () => {
      store.recordChange('groove', 1000, song('A - One'));
      expect(store.pending()).toBe(1);
      expect(await all()).toEqual([]);
      const { opened: plays, silenced } = await store.flush();
      expect(plays).toEqual([
        { id: expect.any(Number), station: 'groove', raw: 'A - One', artist: 'A', title: 'One', startedAt: 1000, endedAt: null, source: 'feed' },
      ]);
      expect(silenced).toEqual([]);
      expect(store.pending()).toBe(0);
      expect(await all()).toEqual(plays);
    });

    it('closes the previous play when the next one opens', async () => {
      store.recordChange('groove', 1000, song('A - One'));
      store.recordChange('groove', 5000, song('B - Two', 'stream'));
      await store.flush();
      expect((await all()).map((p) => [p.raw, p.startedAt, p.endedAt, p.source])).toEqual([
        ['A - One', 1000, 5000, 'feed'],
        ['B - Two', 5000, null, 'stream'],
      ]);
    });

    it('closes the open play without opening another when the change is to nothing', async () => {
      store.recordChange('groove', 1000, song('A - One'));
      store.recordChange('groove', 3000, null);
      const flushed = await store.flush();
      expect(flushed.opened).toHaveLength(1);
      // The station is silent after this flush: the ended play comes back, with its end.
      expect(flushed.silenced).toEqual([{ ...flushed.opened[0], endedAt: 3000 }]);
      expect((await all()).map((p) => p.endedAt)).toEqual([3000]);
      expect((await store.openPlays()).size).toBe(0);
      // Silent, then on air again within one flush: nothing is reported silent.
      store.recordChange('groove', 4000, song('B - Two'));
      store.recordChange('groove', 5000, null);
      store.recordChange('groove', 6000, song('C - Three'));
      expect(await store.flush()).toMatchObject({ opened: [{ raw: 'B - Two' }, { raw: 'C - Three' }], silenced: [] });
    });

    it('never ends a play before it started nor overlaps the previous one when the clock steps back', async () => {
      store.recordChange('groove', 5000, song('A - One'));
      store.recordChange('groove', 4000, song('B - Two'));
      store.recordChange('groove', 6000, null);
      store.recordChange('groove', 5500, song('C - Three'));
      await store.flush();
      expect((await all()).map((p) => [p.startedAt, p.endedAt])).toEqual([
        [5000, 5000],
        [5000, 6000],
        [6000, null],
      ]);
    });

    it('rejects an unknown play source and a time that is not a number at once, instead of failing the whole flush later', () => {
      expect(() => store.recordChange('groove', 1, { ...song('x'), source: 'radio' as never })).toThrow(TypeError);
      expect(() => store.recordChange('groove', NaN, song('x'))).toThrow(TypeError);
      expect(() => store.recordPoll('groove', Infinity, null)).toThrow(TypeError);
      expect(store.pending()).toBe(0);
    });

    it('keeps a batch whose commit failed queued, ahead of newer writes, and writes it whole on the next flush', async () => {
      for (let i = 0; i < 100; i++) store.recordChange(`st${i}`, 1000 + i, song(`Artist ${i} - Song`));
      const mend = await engine.breakCommits(store);
      await expect(store.flush()).rejects.toThrow();
      expect(await all()).toEqual([]);
      expect(store.pending()).toBe(100);
      store.recordChange('st0', 5000, song('Later - Song'));
      await mend();
      expect((await store.flush()).opened).toHaveLength(101);
      expect(store.pending()).toBe(0);
      const st0 = await readAll(store.history({ stations: ['st0'] }));
      expect(st0.map((p) => [p.raw, p.endedAt])).toEqual([
        ['Artist 0 - Song', 5000],
        ['Later - Song', null],
      ]);
    });

    it('runs flushes one after another when they are called together, writing each change once', async () => {
      store.recordChange('groove', 1000, song('A - One'));
      const first = store.flush();
      store.recordChange('groove', 2000, song('B - Two'));
      const second = store.flush();
      const [a, b] = await Promise.all([first, second]);
      expect([...a.opened, ...b.opened].map((p) => p.raw)).toEqual(['A - One', 'B - Two']);
      expect(raws(await all())).toEqual(['A - One', 'B - Two']);
    });

    it('restores the open plays after the database is closed and reopened, flushing on close', async () => {
      store.recordChange('groove', 1000, song('A - One'));
      store.recordChange('groove', 2000, song('B - Two'));
      store.recordChange('jazz', 1500, song('C - Three'));
      store.recordChange('talk', 1500, song('D - Four'));
      store.recordChange('talk', 1600, null);
      await store.close();
      const again = await reopen();
      opened.push(again);
      const open = await again.openPlays();
      expect([...open.keys()].sort()).toEqual(['groove', 'jazz']);
      expect(open.get('groove')).toMatchObject({ raw: 'B - Two', startedAt: 2000, endedAt: null });
    });

    it('keeps one open play per station, no overlaps and no negative durations, whatever the changes', async () => {
      const change = fc.record({
        station: fc.constantFrom('a', 'b', 'c'),
        at: fc.integer({ min: 0, max: 10_000 }),
        next: fc.option(fc.string({ maxLength: 5 }), { nil: null }),
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(change, { maxLength: 20 }), { maxLength: 5 }), async (batches) => {
          // Each run writes stations of its own, so the runs share one database without seeing each other.
          const id = (s: string) => `${s}${run}`;
          run++;
          for (const batch of batches) {
            for (const c of batch) store.recordChange(id(c.station), c.at, c.next === null ? null : song(c.next));
            await store.flush();
          }
          for (const station of ['a', 'b', 'c']) {
            const mine = (await readAll(store.history({ stations: [id(station)] }))).sort((x, y) => x.id - y.id);
            expect(mine.filter((p) => p.endedAt === null).length).toBeLessThanOrEqual(1);
            mine.forEach((p, i) => {
              expect(p.endedAt ?? Infinity).toBeGreaterThanOrEqual(p.startedAt);
              if (i > 0) expect(p.startedAt).toBeGreaterThanOrEqual(mine[i - 1]!.endedAt!);
            });
          }
        }),
        { numRuns: 60 },
      );
    });
  });

  describe(`${name}: station health`, () => {
    it('counts consecutive failures, keeps the last error, and resets the count on success', async () => {
      await store.upsertStations([{ id: 'groove', name: 'Groove Salad' }]);
      store.recordPoll('groove', 1000, 'ECONNRESET');
      store.recordPoll('groove', 2000, 'timeout');
      await store.flush();
      expect((await store.nowPlaying())[0]!.station).toEqual({
        station: 'groove', name: 'Groove Salad', lastSuccessAt: null, lastErrorAt: 2000, lastError: 'timeout', consecutiveFailures: 2,
      });
      store.recordPoll('groove', 3000, null);
      await store.flush();
      expect((await store.nowPlaying())[0]!.station).toMatchObject({ lastSuccessAt: 3000, lastErrorAt: 2000, consecutiveFailures: 0 });
    });

    it("rewrites a healthy station's last success at most once per refresh period, a failure and recovery at once", async () => {
      const t0 = 1_000_000;
      store.recordPoll('groove', t0, null);
      await store.flush();
      store.recordPoll('groove', t0 + 10_000, null);
      expect(store.pending()).toBe(0);
      store.recordPoll('groove', t0 + HEALTH_REFRESH_MS, null);
      await store.flush();
      expect((await store.nowPlaying())[0]!.station).toMatchObject({ lastSuccessAt: t0 + HEALTH_REFRESH_MS, consecutiveFailures: 0 });
      store.recordPoll('groove', t0 + HEALTH_REFRESH_MS + 10_000, 'timeout');
      store.recordPoll('groove', t0 + HEALTH_REFRESH_MS + 20_000, null);
      await store.flush();
      expect((await store.nowPlaying())[0]!.station).toMatchObject({ lastSuccessAt: t0 + HEALTH_REFRESH_MS + 20_000, lastError: 'timeout', consecutiveFailures: 0 });
    });

    it('creates the station row for a poll of a station it has not seen', async () => {
      store.recordPoll('new', 1000, 'HTTP 500');
      await store.flush();
      expect((await store.nowPlaying())[0]!.station).toMatchObject({ station: 'new', name: null, consecutiveFailures: 1 });
      expect(await store.hasStation('new')).toBe(true);
      expect(await store.hasStation('other')).toBe(false);
    });

    it('updates station names from the station list', async () => {
      await store.upsertStations([{ id: 'groove', name: 'Old' }, { id: 'jazz' }]);
      await store.upsertStations([{ id: 'groove', name: 'Groove Salad' }]);
      expect((await store.nowPlaying()).map((n) => [n.station.station, n.station.name])).toEqual([
        ['groove', 'Groove Salad'],
        ['jazz', null],
      ]);
    });

    it('lists every station with its open play, or null when it plays nothing', async () => {
      await store.upsertStations([{ id: 'silent' }]);
      store.recordChange('groove', 1000, song('A - One'));
      store.recordChange('groove', 2000, song('B - Two'));
      const [last] = (await store.flush()).opened.slice(-1);
      const now = await store.nowPlaying();
      expect(now.map((n) => n.station.station)).toEqual(['groove', 'silent']);
      expect(now[0]!.play).toEqual(last);
      expect(now[1]!.play).toBeNull();
    });

    it('answers a ping while open', async () => {
      expect(await store.ping()).toBe(true);
    });
  });

  describe(`${name}: history`, () => {
    // groove: A [1000,2000) B [2000,3000) C [3000,open); jazz: X [1500,2500) Y [2500,open)
    beforeEach(async () => {
      for (const [station, at, raw] of [
        ['groove', 1000, 'A'], ['jazz', 1500, 'X'], ['groove', 2000, 'B'], ['jazz', 2500, 'Y'], ['groove', 3000, 'C'],
      ] as const) store.recordChange(station, at, song(raw));
      await store.flush();
    });
    const read = async (q: Parameters<PlayStore['history']>[0]) => raws(await readAll(store.history(q)));

    it('lists plays oldest first, or newest first on request', async () => {
      expect(await read({})).toEqual(['A', 'X', 'B', 'Y', 'C']);
      expect(await read({ newestFirst: true })).toEqual(['C', 'Y', 'B', 'X', 'A']);
    });

    it('filters by stations, treating an empty list as every station', async () => {
      expect(await read({ stations: ['jazz'] })).toEqual(['X', 'Y']);
      expect(await read({ stations: ['jazz', 'groove'] })).toEqual(['A', 'X', 'B', 'Y', 'C']);
      expect(await read({ stations: [] })).toHaveLength(5);
    });

    it('keeps plays still on air at `since` and plays that started before `until`', async () => {
      expect(await read({ since: 2501 })).toEqual(['B', 'Y', 'C']);
      expect(await read({ until: 2500 })).toEqual(['A', 'X', 'B']);
      expect(await read({ since: 2001, until: 3000, stations: ['groove'] })).toEqual(['B']);
    });

    it('orders plays that start together by id', async () => {
      store.recordChange('talk', 2000, song('T'));
      await store.flush();
      expect(await read({ since: 2001, until: 2001 })).toEqual(['X', 'B', 'T']);
    });

    it('pages through every play exactly once with limit and afterId, in both directions', async () => {
      // A clock step back makes ids and start times disagree; the cursor must still not skip or repeat.
      store.recordChange('talk', 500, song('Early'));
      await store.flush();
      for (const newestFirst of [false, true]) {
        const pages: string[][] = [];
        let afterId: number | undefined;
        for (;;) {
          const page = await readAll(store.history({ newestFirst, limit: 2, ...(afterId === undefined ? {} : { afterId }) }));
          if (page.length === 0) break;
          pages.push(raws(page));
          afterId = page.at(-1)!.id;
        }
        expect(pages.flat()).toEqual(await read({ newestFirst }));
        expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
      }
    });

    it('reads a long history whole, in order, past its internal pages, and honours a limit across them', async () => {
      for (let i = 0; i < 2_600; i++) store.recordChange('long', 10_000 + i, song(`L${i}`));
      await store.flush();
      const plays = await readAll(store.history({ stations: ['long'] }));
      expect(raws(plays)).toEqual(Array.from({ length: 2_600 }, (_, i) => `L${i}`));
      expect(await read({ stations: ['long'], limit: 1_500 })).toHaveLength(1_500);
      expect((await read({ stations: ['long'], newestFirst: true, limit: 1_001 })).at(-1)).toBe('L1599');
    });

    it('lets a flush commit while a history read is part way through', async () => {
      for (let i = 0; i < 2_100; i++) store.recordChange('long', 10_000 + i, song(`L${i}`));
      await store.flush();
      const seen: string[] = [];
      for await (const p of store.history({ stations: ['long'] })) {
        seen.push(p.raw);
        if (seen.length === 1_500) {
          store.recordChange('groove', 9_000, null);
          await store.flush();
        }
      }
      expect(seen).toHaveLength(2_100);
      expect((await store.openPlays()).has('groove')).toBe(false);
    });

    it('serves two interleaved readers of the same query', async () => {
      const a = store.history({ stations: ['groove'] })[Symbol.asyncIterator]();
      const b = store.history({ stations: ['groove'] })[Symbol.asyncIterator]();
      expect([(await a.next()).value?.raw, (await b.next()).value?.raw, (await a.next()).value?.raw]).toEqual(['A', 'A', 'B']);
      await a.return?.();
      await b.return?.();
    });

    it('gives the plays after an id in id order, at most the limit (where a live client resumes)', async () => {
      const ids = (await readAll(store.history({}))).map((p) => p.id).sort((x, y) => x - y);
      expect((await store.playsAfter(ids[1]!, 2)).map((p) => p.id)).toEqual([ids[2], ids[3]]);
      expect(await store.playsAfter(ids.at(-1)!, 10)).toEqual([]);
    });
  });

  describe(`${name}: leases and the write fence`, () => {
    const hb = { apiUrl: null, info: {} };
    const TTL = 60_000;
    const parts = (leases: Lease[]) => leases.map((l) => l.part).sort((a, b) => a - b);
    /** Fences `s` as `node`, every station in partition 7 under `lease()`. */
    const fenceAs = (s: PlayStore, node: string, lease: () => Lease | undefined) => s.fence({ node, leaseOf: () => lease() });

    it('hands out each of the 256 partitions once, at epoch 1, and no more while their leases hold', async () => {
      const a = await store.acquireLeases('a', 300, TTL);
      expect(parts(a)).toEqual([...Array(256).keys()]);
      expect(a.every((l) => l.epoch === 1)).toBe(true);
      expect(await store.acquireLeases('b', 10, TTL)).toEqual([]);
    });

    it('gives racing nodes disjoint sets', async () => {
      const other = await reopen();
      opened.push(other);
      const [a, b] = await Promise.all([store.acquireLeases('a', 200, TTL), other.acquireLeases('b', 200, TTL)]);
      expect(a.length + b.length).toBe(256);
      expect(new Set([...parts(a), ...parts(b)]).size).toBe(256);
    });

    it('renews only what the node holds at the epoch it holds, and counts the live nodes', async () => {
      const mine = await store.acquireLeases('a', 3, TTL);
      const stale = { part: mine[0]!.part, epoch: mine[0]!.epoch - 1 };
      const theirs = { part: 200, epoch: 0 };
      expect(await store.renewLeases('a', [stale, mine[1]!, mine[2]!, theirs], TTL, hb)).toEqual({ renewed: parts(mine.slice(1)), liveNodes: 1 });
      expect((await store.renewLeases('b', [], TTL, hb)).liveNodes).toBe(2);
      expect((await store.renewLeases('b', mine, TTL, hb)).renewed).toEqual([]);
    });

    it('lets another node take a released lease, or one run out, at the next epoch', async () => {
      const [first, second] = await store.acquireLeases('a', 2, TTL);
      await store.releaseLeases('a', [first!]);
      expect(await store.acquireLeases('b', 1, TTL)).toEqual([{ part: first!.part, epoch: 2 }]);
      // A lease of 1 ms runs out at once on the database's clock; the next acquire that sees it so takes it.
      await store.renewLeases('a', [second!], 1, hb);
      let taken: Lease[] = [];
      await waitFor(async () => (taken = await store.acquireLeases('b', 300, TTL)).some((l) => l.part === second!.part), {
        what: `partition ${second!.part} to run out and be taken`,
      });
      expect(taken.find((l) => l.part === second!.part)!.epoch).toBe(2);
    });

    it('gives back everything and forgets the node on leave', async () => {
      await store.acquireLeases('a', 5, TTL);
      await store.renewLeases('a', [], TTL, { apiUrl: 'http://127.0.0.1:1', info: { lag: 3 } });
      expect(await store.nodes(TTL)).toEqual([{ node: 'a', heartbeatAt: expect.any(Number), apiUrl: 'http://127.0.0.1:1', partitions: 5, info: { lag: 3 } }]);
      await store.leave('a');
      expect(await store.nodes(TTL)).toEqual([]);
      expect(await store.acquireLeases('b', 300, TTL)).toHaveLength(256);
    });

    it('commits the writes made under a lease that still holds, and refuses those whose lease moved on', async () => {
      const [lease] = await store.acquireLeases('a', 1, TTL);
      let current: Lease | undefined = lease;
      fenceAs(store, 'a', () => current);
      store.recordChange('groove', 1000, song('A - One'));
      expect((await store.flush()).fenced).toEqual([]);
      store.recordChange('groove', 2000, song('B - Two'));
      // Another node takes the partition over (its lease ran out while this one was away).
      await store.renewLeases('a', [lease!], 1, hb);
      const other = await reopen();
      opened.push(other);
      await waitFor(async () => (await other.acquireLeases('b', 300, TTL)).some((l) => l.part === lease!.part), { what: 'the takeover' });
      const flushed = await store.flush();
      expect(flushed).toEqual({ opened: [], silenced: [], fenced: [lease!.part] });
      expect((await all()).map((p) => [p.raw, p.endedAt])).toEqual([['A - One', null]]);
      // A station the node does not own is not even queued.
      current = undefined;
      store.recordChange('groove', 3000, song('C - Three'));
      store.recordPoll('groove', 3000, 'timeout');
      expect(store.pending()).toBe(0);
    });

    it('forgets the queued writes of stations it was told to discard', async () => {
      store.recordChange('groove', 1000, song('A - One'));
      store.recordChange('drone', 1000, song('D - One'));
      store.discard(new Set(['groove']));
      expect(raws((await store.flush()).opened)).toEqual(['D - One']);
    });

    it('reads the open plays and the health of the stations asked for only', async () => {
      store.recordChange('groove', 1000, song('A - One'));
      store.recordChange('drone', 1000, song('D - One'));
      store.recordPoll('drone', 1500, 'timeout');
      await store.flush();
      expect([...(await store.openPlaysOf(['groove', 'nope'])).keys()]).toEqual(['groove']);
      expect((await store.healthOf(['drone'])).get('drone')).toMatchObject({ consecutiveFailures: 1, lastErrorAt: 1500 });
      expect((await store.openPlaysOf([])).size).toBe(0);
    });
  });
}
