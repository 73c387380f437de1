// The ManualClock that tests drive the scheduler, the write loop and the crawler with: timers fire in due
// order, and what they set off settles before the next one fires, however deep its chain of awaits, while
// nothing on the real event loop (a timer, an I/O callback) gets a turn in between.
import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from '../src/clock.ts';

/** Resolves after `depth` awaits, one after another. */
async function chain(depth: number, then: () => void): Promise<void> {
  for (let i = 0; i < depth; i++) await null;
  then();
}

describe('ManualClock', () => {
  it('fires timers in due order, timers of the same time in the order they were set', async () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push('c'));
    clock.setTimer(100, () => fired.push('a'));
    clock.setTimer(100, () => fired.push('b'));
    clock.setTimer(500, () => fired.push('late')).cancel();
    await clock.advance(1_000);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(2_000);
    expect(clock.pending()).toBe(0);
  });

  it.each([1, 25, 10_000])('lets a chain of %i awaits set off by a timer finish before the next timer fires', async (depth) => {
    const clock = new ManualClock();
    const fired: string[] = [];
    // The chain re-arms a timer due before the next one already waiting: it must fire first.
    clock.setTimer(10, () => void chain(depth, () => clock.setTimer(5, () => fired.push(`re-armed at ${clock.now()}`))));
    clock.setTimer(20, () => fired.push(`waiting at ${clock.now()}`));
    await clock.advance(100);
    expect(fired).toEqual(['re-armed at 15', 'waiting at 20']);
  });

  it('settles work that passes through process.nextTick, as streams and emitters do', async () => {
    let done = false;
    void (async () => {
      await chain(50, () => {});
      await new Promise<void>((resolve) => process.nextTick(resolve));
      await chain(50, () => (done = true));
    })();
    await flushMicrotasks();
    expect(done).toBe(true);
  });

  it('gives no real timer and no I/O callback a turn while it advances', async () => {
    const clock = new ManualClock();
    let realTimer = false;
    let immediate = false;
    setTimeout(() => (realTimer = true), 0);
    setImmediate(() => (immediate = true));
    for (let i = 0; i < 100; i++) clock.setTimer(i, () => void chain(30, () => {}));
    await clock.advance(1_000);
    expect({ realTimer, immediate }).toEqual({ realTimer: false, immediate: false });
  });
});
