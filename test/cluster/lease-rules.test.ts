// The lease state machine of one node, as pure functions on explicit times: take, renew, lose, give back on
// overshoot, stop at the local deadline, and a stale epoch.
import { describe, expect, it } from 'vitest';
import { deadlineOf, fairShare, gain, MAX_RELEASE_PER_ROUND, nextDeadline, overdue, planRound, without } from '../../src/cluster/lease-rules.ts';
import { PARTITIONS, partitionOf } from '../../src/cluster/partitions.ts';
import { validateStation } from '../../src/stations/schema.ts';

const times = { ttlMs: 6_000, renewEveryMs: 2_000, marginMs: 1_000 };
const leases = (from: number, to: number, epoch = 1) => Array.from({ length: to - from }, (_, i) => ({ part: from + i, epoch }));

describe('lease rules', () => {
  it('shares the partitions fairly, rounding up', () => {
    expect([1, 2, 3, 4, 256, 300].map(fairShare)).toEqual([256, 128, 86, 64, 1, 1]);
    expect(fairShare(0)).toBe(256);
  });

  it('takes its whole share when alone, and trusts a lease until its margin before the TTL', () => {
    const first = planRound(new Map(), [], 1, 0, times);
    expect(first).toEqual({ held: new Map(), lost: [], take: 256, giveBack: [] });
    const held = gain(first.held, leases(0, 256), 100, times);
    expect(held.get(5)).toEqual({ epoch: 1, deadline: 5_100 });
    expect(deadlineOf(100, times)).toBe(5_100);
  });

  it('extends what was renewed and drops at once what was not (a takeover, a stale epoch)', () => {
    const held = gain(new Map(), leases(0, 4), 0, times);
    const plan = planRound(held, [0, 2], 1, 2_000, times);
    expect(plan.lost).toEqual([1, 3]);
    expect([...plan.held.keys()]).toEqual([0, 2]);
    expect(plan.held.get(0)!.deadline).toBe(7_000);
    // It lacks its share again, so it asks for more.
    expect(plan.take).toBe(254);
  });

  it('gives back its surplus over share + 1, at most 16 per round, the highest partitions first', () => {
    const held = gain(new Map(), leases(0, 256), 0, times);
    const plan = planRound(held, leases(0, 256).map((l) => l.part), 2, 2_000, times);
    expect(plan.take).toBe(0);
    expect(plan.giveBack).toHaveLength(MAX_RELEASE_PER_ROUND);
    expect(plan.giveBack[0]).toEqual({ part: 255, epoch: 1 });
    // One over its share is tolerated: two nodes do not trade a partition back and forth.
    const near = gain(new Map(), leases(0, 129), 0, times);
    expect(planRound(near, leases(0, 129).map((l) => l.part), 2, 2_000, times).giveBack).toEqual([]);
    const over = gain(new Map(), leases(0, 131), 0, times);
    expect(planRound(over, leases(0, 131).map((l) => l.part), 2, 2_000, times).giveBack.map((l) => l.part)).toEqual([130, 129, 128]);
  });

  it('stops at the local deadline when renewals stop answering', () => {
    const held = gain(gain(new Map(), leases(0, 2), 0, times), leases(2, 3), 1_000, times);
    expect(nextDeadline(held)).toBe(5_000);
    expect(overdue(held, 4_999)).toEqual([]);
    expect(overdue(held, 5_000)).toEqual([0, 1]);
    expect(overdue(held, 6_000)).toEqual([0, 1, 2]);
    expect(nextDeadline(without(held, [0, 1]))).toBe(6_000);
    expect(nextDeadline(new Map())).toBeUndefined();
  });
});

describe('partitions', () => {
  const station = (id: string, url: string) => validateStation({ id, feed: { url, format: 'icecast-json', mount: '/live' } }, 'test');

  it('puts every mount of one server in one partition, whatever the path or credentials', () => {
    const a = partitionOf(station('a', 'http://radio.example:8000/status-json.xsl'));
    expect(partitionOf(station('b', 'http://user:pw@radio.example:8000/admin/stats'))).toBe(a);
    expect(partitionOf(station('c', 'http://RADIO.example:8000/other'))).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(PARTITIONS);
  });

  it('spreads many servers over all partitions', () => {
    const seen = new Set(Array.from({ length: 5_000 }, (_, i) => partitionOf(station(`s${i}`, `http://host${i}.example/x`))));
    expect(seen.size).toBe(PARTITIONS);
  });
});
