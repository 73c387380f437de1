// The read pacer: each rest lasts one period, rests end in the order they began, and one timer serves all.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReadPacer } from '../../../src/fetch/stream/read-pacer.ts';

afterEach(() => vi.useRealTimers());

describe('ReadPacer', () => {
  it('resumes each stream one period after it rested, in order, batching those due together', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const pacer = new ReadPacer(500);
    const resumed: string[] = [];
    pacer.rest(() => resumed.push('a'));
    vi.advanceTimersByTime(20);
    pacer.rest(() => resumed.push('b'));
    vi.advanceTimersByTime(200);
    pacer.rest(() => resumed.push('c'));
    expect(pacer.resting).toBe(3);
    vi.advanceTimersByTime(279);
    expect(resumed).toEqual([]);
    vi.advanceTimersByTime(1);
    // 'b' is due 20 ms after 'a': within the 50 ms granule, so it waits for the next wake-up.
    expect(resumed).toEqual(['a']);
    vi.advanceTimersByTime(50);
    expect(resumed).toEqual(['a', 'b']);
    vi.advanceTimersByTime(200);
    expect(resumed).toEqual(['a', 'b', 'c']);
    expect(pacer.resting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets a stream that rests again from its resume wait a whole period, and flush() ends every rest', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const pacer = new ReadPacer(100);
    let reads = 0;
    const read = () => {
      reads++;
      pacer.rest(read);
    };
    pacer.rest(read);
    vi.advanceTimersByTime(1000);
    expect(reads).toBe(10);
    pacer.flush();
    expect(reads).toBe(11);
    expect(pacer.resting).toBe(1);
  });

  it('keeps its queue small over many rests', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const pacer = new ReadPacer(10);
    let n = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) pacer.rest(() => n++);
      vi.advanceTimersByTime(10);
    }
    expect(n).toBe(5000);
    expect((pacer as unknown as { resumes: unknown[] }).resumes.length).toBeLessThan(2100);
  });
});
