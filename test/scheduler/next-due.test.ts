import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/clock.ts';
import { backoffDelay, firstDelay, nextDueAfterSuccess } from '../../src/scheduler/next-due.ts';
import { DueQueue } from '../../src/scheduler/due-queue.ts';

describe('next-due rules', () => {
  it('places a first poll inside the interval, the same place for the same key', () => {
    for (const key of ['a', 'b', 'http://x/status-json.xsl']) {
      const d = firstDelay(key, 10_000);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(10_000);
      expect(firstDelay(key, 10_000)).toBe(d);
    }
  });

  it('skips missed slots instead of bursting after a late poll', () => {
    expect(nextDueAfterSuccess(0, 500, 10_000)).toBe(10_000);
    expect(nextDueAfterSuccess(0, 25_000, 10_000)).toBe(30_000);
    expect(nextDueAfterSuccess(0, 10_000, 10_000)).toBe(20_000);
  });

  it('never backs off past the cap and never below half the step', () => {
    const random = seededRandom(7);
    for (let n = 1; n < 60; n++) {
      const d = backoffDelay(n, { intervalMs: 10_000, capMs: 300_000 }, random);
      const base = Math.min(300_000, 10_000 * 2 ** (n - 1));
      expect(d).toBeGreaterThanOrEqual(base / 2);
      expect(d).toBeLessThanOrEqual(base);
    }
  });
});

describe('DueQueue', () => {
  it('pops keys in due order and honours re-pushes and removals', () => {
    const q = new DueQueue();
    const random = seededRandom(9);
    const expected = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const key = `k${i % 300}`;
      const due = Math.floor(random() * 1e6);
      q.push(key, due);
      expected.set(key, due);
      if (i % 7 === 0) {
        q.remove(key);
        expected.delete(key);
      }
    }
    expect(q.size).toBe(expected.size);
    const popped: number[] = [];
    for (let e = q.popDue(Infinity); e; e = q.popDue(Infinity)) {
      expect(expected.get(e.key)).toBe(e.dueAt);
      popped.push(e.dueAt);
    }
    expect(popped).toHaveLength(expected.size);
    expect(popped).toEqual([...popped].sort((a, b) => a - b));
  });

  it('returns nothing before the earliest due time', () => {
    const q = new DueQueue();
    q.push('a', 100);
    expect(q.popDue(99)).toBeUndefined();
    expect(q.popDue(100)).toEqual({ key: 'a', dueAt: 100 });
  });
});
