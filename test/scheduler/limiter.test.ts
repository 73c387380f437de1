// HostLimiter beyond the property test's small queues: a backlog of thousands runs once each, in order of
// submission per host, with the bounds kept; a task that throws before returning a promise rejects its run().
import { describe, expect, it } from 'vitest';
import { HostLimiter } from '../../src/scheduler/limiter.ts';

describe('HostLimiter', () => {
  it('runs a backlog of 6,000 tasks once each, in order of submission per host, within both bounds', async () => {
    const limiter = new HostLimiter(3, 2);
    const started: Record<string, number[]> = { a: [], b: [], c: [] };
    let running = 0;
    let most = 0;
    const runs = Array.from({ length: 6_000 }, (_, i) => {
      const host = ['a', 'b', 'c'][i % 3]!;
      return limiter.run(host, async () => {
        started[host]!.push(i);
        most = Math.max(most, ++running);
        await Promise.resolve();
        running--;
        return i;
      });
    });
    expect(limiter.pendingCount + limiter.activeCount).toBe(6_000);
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 6_000 }, (_, i) => i));
    for (const [host, order] of Object.entries(started)) {
      expect(order, host).toHaveLength(2_000);
      expect(order, host).toEqual([...order].sort((x, y) => x - y));
    }
    expect(most).toBe(3);
    expect(limiter.activeCount + limiter.pendingCount).toBe(0);
  });

  it('rejects the run of a task that throws at once, and frees its slots', async () => {
    const limiter = new HostLimiter(1, 1);
    const bad = limiter.run('h', () => {
      throw new TypeError('boom');
    });
    const good = limiter.run('h', async () => 'ok');
    await expect(bad).rejects.toThrow('boom');
    await expect(good).resolves.toBe('ok');
    expect(limiter.activeCount + limiter.pendingCount).toBe(0);
  });
});
