import { describe, expect, it } from 'vitest';
import { WriteQueue, type QueuedWrite } from '../../src/store/write-queue.ts';

const play = { raw: 'A - B', artist: 'A', title: 'B', source: 'feed' as const };

describe('the write queue', () => {
  it('stays bounded while the database is away by dropping the oldest poll outcomes, never a change', async () => {
    const q = new WriteQueue(1_000);
    for (let i = 0; i < 5_000; i++) {
      // Failures: each is queued (a success would be throttled to one a minute per station).
      q.poll(`s${i % 7}`, i, 'ECONNREFUSED: refused');
      if (i % 50 === 0) q.change(`s${i % 7}`, i, play);
    }
    expect(q.size).toBeLessThanOrEqual(1_000);
    expect(q.dropped).toBeGreaterThan(0);
    let batch: QueuedWrite[] = [];
    await q.flush((b) => ((batch = b.writes), { opened: [], silenced: [], fenced: [] }));
    const changes = batch.filter((w) => w.kind === 'change');
    expect(changes.map((w) => w.at)).toEqual(Array.from({ length: 100 }, (_, i) => i * 50));
    // What is kept of the poll outcomes is the newest, in order.
    const polls = batch.filter((w) => w.kind === 'poll').map((w) => w.at);
    expect(polls).toEqual([...polls].sort((a, b) => a - b));
    expect(polls.at(-1)).toBe(4_999);
    expect(q.dropped + polls.length).toBe(5_000);
  });

  it('retries a failed batch whole, under the same id, ahead of writes queued meanwhile', async () => {
    const q = new WriteQueue();
    q.change('a', 1, play);
    let firstId = '';
    await expect(
      q.flush((batch) => {
        firstId = batch.id;
        q.change('a', 2, play);
        throw new Error('away');
      }),
    ).rejects.toThrow('away');
    expect(q.size).toBe(2);
    const batches: { id: string; at: number[] }[] = [];
    await q.flush((b) => (batches.push({ id: b.id, at: b.writes.map((w) => w.at) }), { opened: [], silenced: [], fenced: [] }));
    expect(batches).toEqual([
      { id: firstId, at: [1] },
      { id: expect.not.stringMatching(firstId), at: [2] },
    ]);
    expect(q.size).toBe(0);
  });

  it('reports what went in when a later batch fails, and keeps that one for the next flush', async () => {
    const q = new WriteQueue();
    q.change('a', 1, play);
    await expect(q.flush(() => Promise.reject(new Error('away')))).rejects.toThrow();
    q.change('b', 2, play);
    const opened = (id: number) => ({ id, station: 'a', raw: 'A - B', artist: 'A', title: 'B', source: 'feed' as const, startedAt: id, endedAt: null });
    let calls = 0;
    const flushed = await q.flush(() => {
      if (++calls === 2) throw new Error('away again');
      return { opened: [opened(1)], silenced: [], fenced: [] };
    });
    expect(flushed.opened).toEqual([opened(1)]);
    expect(q.size).toBe(1);
  });
});
