// The lease keeper on a real SQLite file, timed by a manual clock: a node alone takes every partition, a
// second one gets its share within a few rounds, a node whose renewals stop answering stops at its local
// deadline, and a clean stop gives everything back at once.
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '../../src/clock.ts';
import { LeaseKeeper, type Ownership } from '../../src/cluster/lease-keeper.ts';
import { MAX_RELEASE_PER_ROUND } from '../../src/cluster/lease-rules.ts';
import { leaseTimes } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import type { Lease, LeaseStore } from '../../src/store/contract.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { tempDir } from '../helpers/crawl.ts';

const times = leaseTimes(60_000);

class Recorder implements Ownership {
  owned = new Set<number>();
  async gained(leases: readonly Lease[]) {
    for (const l of leases) this.owned.add(l.part);
  }
  lost(parts: readonly number[]) {
    for (const p of parts) this.owned.delete(p);
  }
  async releasing(parts: readonly number[]) {
    for (const p of parts) this.owned.delete(p);
  }
}

describe('the lease keeper', () => {
  const dir = tempDir('onair-keeper-');
  let tests = 0;
  let file = '';
  const stores: SqliteStore[] = [];
  // A database of its own per test: heartbeats are on the real clock and outlive a test.
  beforeEach(() => {
    file = join(dir.dir, `onair-${++tests}.db`);
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });
  afterAll(() => dir.cleanup());
  const keeper = (node: string, clock: ManualClock, store: LeaseStore = open()) => {
    const ownership = new Recorder();
    const k = new LeaseKeeper({ store, node, times, clock, random: seededRandom(1), logger: silentLogger(), ownership, heartbeat: () => ({ apiUrl: null, info: {} }) });
    return { k, ownership };
  };
  const open = () => {
    const s = SqliteStore.open(file);
    stores.push(s);
    return s;
  };
  const rounds = (clock: ManualClock, n: number) => clock.advance(n * times.renewEveryMs * 1.1);

  it('takes every partition alone, then shares them with a node that joins, a step per round', async () => {
    const clock = new ManualClock(0);
    const a = keeper('a', clock);
    await a.k.start();
    expect(a.ownership.owned.size).toBe(256);
    const b = keeper('b', clock);
    await b.k.start();
    expect(b.ownership.owned.size).toBe(0);
    await rounds(clock, 12);
    expect([a.ownership.owned.size, b.ownership.owned.size]).toEqual([128, 128]);
    expect([...a.ownership.owned].some((p) => b.ownership.owned.has(p))).toBe(false);
    // A clean stop gives everything back; the other takes it in its next round.
    await a.k.stop();
    await rounds(clock, 1);
    expect(b.ownership.owned.size).toBe(256);
    await b.k.stop();
  });

  it('stops at its local deadline when the database stops answering', async () => {
    const clock = new ManualClock(0);
    const real = open();
    let away = false;
    const flaky: LeaseStore = {
      renewLeases: (...args) => (away ? new Promise(() => {}) : real.renewLeases(...args)),
      acquireLeases: (...args) => real.acquireLeases(...args),
      releaseLeases: (...args) => real.releaseLeases(...args),
      leave: (...args) => real.leave(...args),
      watchLeases: (...args) => real.watchLeases(...args),
    };
    const a = keeper('a', clock, flaky);
    await a.k.start();
    expect(a.ownership.owned.size).toBe(256);
    away = true;
    await clock.advance(times.ttlMs - times.marginMs - 1);
    expect(a.ownership.owned.size).toBe(256);
    await clock.advance(1);
    expect(a.ownership.owned.size).toBe(0);
    expect(a.k.partitions).toEqual([]);
  });

  it('starts what it took at the next round when starting it failed (the database gone for a moment)', async () => {
    const clock = new ManualClock(0);
    const a = keeper('a', clock);
    const gained = a.ownership.gained.bind(a.ownership);
    let failures = 1;
    a.ownership.gained = async (leases) => {
      if (failures-- > 0) throw new Error('connection lost while reading the open plays');
      return gained(leases);
    };
    await a.k.start();
    expect(a.k.partitions.length).toBe(256);
    expect(a.ownership.owned.size).toBe(0);
    await rounds(clock, 1);
    expect(a.ownership.owned.size).toBe(256);
    await a.k.stop();
  });

  it('polls again what it failed to give back once no other node wants it', async () => {
    const clock = new ManualClock(0);
    const a = keeper('a', clock);
    await a.k.start();
    const releasing = a.ownership.releasing.bind(a.ownership);
    let failures = 1;
    a.ownership.releasing = async (parts) => {
      await releasing(parts);
      if (failures-- > 0) throw new Error('connection lost while flushing');
    };
    const b = keeper('b', clock);
    await b.k.start();
    await rounds(clock, 1);
    // a stopped polling what it meant to give back, and the give-back failed: still a's, polled by no one.
    expect(a.k.partitions.length).toBe(256);
    expect(a.ownership.owned.size).toBe(256 - MAX_RELEASE_PER_ROUND);
    await b.k.stop();
    await rounds(clock, 1);
    expect(a.ownership.owned.size).toBe(256);
    await a.k.stop();
  });

  it('lets what it just took run out at its local deadline while starting it hangs', async () => {
    const clock = new ManualClock(0);
    const a = keeper('a', clock);
    // Reading the open plays never answers: the database was cut off mid-read.
    a.ownership.gained = () => new Promise(() => {});
    void a.k.start();
    await clock.advance(0);
    expect(a.k.partitions.length).toBe(256);
    await clock.advance(times.ttlMs - times.marginMs);
    expect(a.k.partitions).toEqual([]);
  });
});
