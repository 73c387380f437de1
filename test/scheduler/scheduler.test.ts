import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks, seededRandom } from '../../src/clock.ts';
import { DEFAULTS } from '../../src/config.ts';
import { Scheduler, type PollResult, type ScheduledTask } from '../../src/scheduler/scheduler.ts';

/** The crawler's settings, with an exact timer (tick 0): these tests check due times to the millisecond. */
const settings = { concurrency: DEFAULTS.concurrency, perHost: DEFAULTS.perHost, backoffCapMs: DEFAULTS.backoffCapMs, rareRetryMs: DEFAULTS.rareRetryMs, tickMs: 0 };
import { firstDelay } from '../../src/scheduler/next-due.ts';

function tasks(n: number, opts: Partial<ScheduledTask> & { hosts?: number } = {}): ScheduledTask[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    intervalMs: opts.intervalMs ?? 10_000,
    host: `host${i % (opts.hosts ?? n)}`,
    phaseKey: opts.phaseKey ?? `s${i}`,
  }));
}

/** A scheduler whose polls are held open until the test settles them, counting what runs at once. */
function harness(opts: { concurrency?: number; perHost?: number; holdMs?: number; result?: (t: ScheduledTask, n: number) => PollResult } = {}) {
  const clock = new ManualClock(1_000_000);
  const active = new Map<string, number>();
  const activeByHost = new Map<string, number>();
  const starts: { id: string; at: number }[] = [];
  let peak = 0;
  let peakHost = 0;
  let doublePolls = 0;
  const count = new Map<string, number>();
  const scheduler = new Scheduler({
    ...settings,
    clock,
    random: seededRandom(42),
    concurrency: opts.concurrency ?? 4,
    perHost: opts.perHost ?? 2,
    poll: async (task, signal) => {
      if (active.has(task.id)) doublePolls++;
      active.set(task.id, 1);
      activeByHost.set(task.host, (activeByHost.get(task.host) ?? 0) + 1);
      peak = Math.max(peak, active.size);
      peakHost = Math.max(peakHost, activeByHost.get(task.host)!);
      starts.push({ id: task.id, at: clock.now() });
      const n = (count.get(task.id) ?? 0) + 1;
      count.set(task.id, n);
      await new Promise<void>((resolve) => {
        const timer = clock.setTimer(opts.holdMs ?? 500, resolve);
        signal.addEventListener('abort', () => (timer.cancel(), resolve()));
      });
      active.delete(task.id);
      activeByHost.set(task.host, activeByHost.get(task.host)! - 1);
      return opts.result?.(task, n) ?? 'ok';
    },
  });
  return {
    clock,
    scheduler,
    starts,
    get peak() {
      return peak;
    },
    get peakHost() {
      return peakHost;
    },
    get doublePolls() {
      return doublePolls;
    },
  };
}

describe('Scheduler', () => {
  it('never runs more polls at once than the global bound or the per-host cap', async () => {
    const h = harness({ concurrency: 5, perHost: 2 });
    for (const t of tasks(60, { hosts: 6, intervalMs: 1_000 })) h.scheduler.upsert(t);
    h.scheduler.start();
    for (let i = 0; i < 100; i++) await h.clock.advance(137);
    await h.scheduler.stop();
    expect(h.starts.length).toBeGreaterThan(100);
    expect(h.peak).toBeLessThanOrEqual(5);
    expect(h.peak).toBe(5);
    expect(h.peakHost).toBeLessThanOrEqual(2);
  });

  it('never polls one station twice at once, even when a poll outlasts its interval', async () => {
    const h = harness({ concurrency: 10, perHost: 10, holdMs: 2_500 });
    for (const t of tasks(5, { intervalMs: 1_000 })) h.scheduler.upsert(t);
    h.scheduler.start();
    for (let i = 0; i < 50; i++) await h.clock.advance(250);
    await h.scheduler.stop();
    expect(h.doublePolls).toBe(0);
    // Each poll holds 2.5 s, so a station runs at most once per 2.5 s rather than every 1 s.
    const s0 = h.starts.filter((s) => s.id === 's0');
    for (let i = 1; i < s0.length; i++) expect(s0[i]!.at - s0[i - 1]!.at).toBeGreaterThanOrEqual(2_500);
  });

  it('spreads first polls over the interval instead of starting them all at once', async () => {
    const h = harness({ concurrency: 1000, perHost: 1000, holdMs: 1 });
    for (const t of tasks(1000)) h.scheduler.upsert(t);
    h.scheduler.start();
    await h.clock.advance(10_000);
    await h.scheduler.stop();
    const first = new Map<string, number>();
    for (const s of h.starts) if (!first.has(s.id)) first.set(s.id, s.at - 1_000_000);
    expect(first.size).toBe(1000);
    const perSecond = new Array(10).fill(0);
    for (const at of first.values()) perSecond[Math.floor(at / 1_000)]++;
    for (const n of perSecond) {
      expect(n).toBeGreaterThan(60);
      expect(n).toBeLessThan(140);
    }
  });

  it('makes stations that share a phase key due at the same moment', async () => {
    const h = harness({ concurrency: 100, perHost: 100, holdMs: 1 });
    for (const t of tasks(20, { phaseKey: 'http://one.example/status-json.xsl' })) h.scheduler.upsert(t);
    h.scheduler.start();
    await h.clock.advance(10_000);
    await h.scheduler.stop();
    expect(h.starts).toHaveLength(20);
    expect(new Set(h.starts.map((s) => s.at)).size).toBe(1);
  });

  it('keeps each station on its interval grid when polls succeed', async () => {
    const h = harness({ concurrency: 10, perHost: 10, holdMs: 300 });
    h.scheduler.upsert(tasks(1)[0]!);
    h.scheduler.start();
    await h.clock.advance(60_000);
    await h.scheduler.stop();
    const gaps = h.starts.slice(1).map((s, i) => s.at - h.starts[i]!.at);
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    expect(new Set(gaps)).toEqual(new Set([10_000]));
  });

  it('backs off exponentially with jitter up to the cap, then recovers to the interval on success', async () => {
    // Fails the first 8 polls, then succeeds.
    const h = harness({ concurrency: 10, perHost: 10, holdMs: 0, result: (_t, n) => (n <= 8 ? 'failed' : 'ok') });
    const scheduler = h.scheduler;
    scheduler.upsert({ id: 'x', intervalMs: 10_000, host: 'h', phaseKey: 'x' });
    scheduler.start();
    await h.clock.advance(3_600_000);
    await scheduler.stop();
    const gaps = h.starts.slice(1).map((s, i) => s.at - h.starts[i]!.at);
    // After failure n the delay lies in [base/2, base] with base = min(5 min, 10 s * 2^(n-1)).
    for (let n = 1; n <= 8; n++) {
      const base = Math.min(300_000, 10_000 * 2 ** (n - 1));
      expect(gaps[n - 1]).toBeGreaterThanOrEqual(base / 2);
      expect(gaps[n - 1]).toBeLessThanOrEqual(base);
    }
    expect(gaps.slice(8, 12)).toEqual([10_000, 10_000, 10_000, 10_000]);
    expect(scheduler.failuresOf('x')).toBe(0);
  });

  it('records schedule lag when the global bound makes polls wait', async () => {
    const h = harness({ concurrency: 1, perHost: 1, holdMs: 100 });
    for (const t of tasks(10, { phaseKey: 'same' })) h.scheduler.upsert(t);
    h.scheduler.start();
    await h.clock.advance(10_000);
    await h.scheduler.stop();
    expect(h.scheduler.lag.total).toBe(10);
    // Ten polls of 100 ms in a row: the last one started 900 ms after it was due.
    expect(h.scheduler.lag.percentile(100)).toBe(900);
    expect(h.scheduler.lag.percentile(0)).toBe(0);
  });

  it('stops polling a removed station and picks up an added one without restarting', async () => {
    const h = harness({ concurrency: 10, perHost: 10, holdMs: 1 });
    h.scheduler.upsert({ id: 'a', intervalMs: 1_000, host: 'h', phaseKey: 'a' });
    h.scheduler.start();
    await h.clock.advance(5_000);
    h.scheduler.remove('a');
    h.scheduler.upsert({ id: 'b', intervalMs: 1_000, host: 'h', phaseKey: 'b' });
    const before = h.starts.filter((s) => s.id === 'a').length;
    await h.clock.advance(5_000);
    await h.scheduler.stop();
    expect(h.starts.filter((s) => s.id === 'a').length).toBe(before);
    expect(h.starts.filter((s) => s.id === 'b').length).toBeGreaterThanOrEqual(4);
  });

  it('aborts polls in flight on stop and schedules nothing afterwards', async () => {
    const clock = new ManualClock(0);
    let aborted = 0;
    let started = 0;
    const scheduler = new Scheduler({
      ...settings,
      clock,
      random: seededRandom(1),
      poll: (_t, signal) =>
        new Promise<PollResult>((resolve) => {
          started++;
          signal.addEventListener('abort', () => {
            aborted++;
            resolve('failed');
          });
        }),
    });
    for (const t of tasks(3, { intervalMs: 1_000 })) scheduler.upsert(t);
    scheduler.start();
    await clock.advance(1_000);
    expect(started).toBe(3);
    await scheduler.stop();
    expect(aborted).toBe(3);
    await clock.advance(10_000);
    await flushMicrotasks();
    expect(started).toBe(3);
    expect(clock.pending()).toBe(0);
  });

  it('polls a station once per interval after an edit moves its due time earlier', async () => {
    // 'two' falls 1.0 s into a 10 s interval and 'one' 6.7 s: the edit queues the station earlier than it was.
    expect(firstDelay('two', 10_000)).toBeLessThan(firstDelay('one', 10_000));
    const h = harness({ concurrency: 100, perHost: 100, holdMs: 1 });
    // Other stations due all through the interval, as in a real stations file: a stale entry of this station's
    // then sits under theirs in the queue, not at its top (where a peek would drop it).
    for (const t of tasks(20)) h.scheduler.upsert(t);
    h.scheduler.upsert({ id: 'a', intervalMs: 10_000, host: 'h', phaseKey: 'one' });
    h.scheduler.start();
    h.scheduler.upsert({ id: 'a', intervalMs: 10_000, host: 'h', phaseKey: 'two' });
    await h.clock.advance(100_000);
    await h.scheduler.stop();
    const polls = h.starts.filter((s) => s.id === 'a').length;
    expect(polls).toBeGreaterThanOrEqual(9);
    expect(polls).toBeLessThanOrEqual(11);
  });

  it('polls a station once per interval after it is removed and added again', async () => {
    const h = harness({ concurrency: 100, perHost: 100, holdMs: 1 });
    for (const t of tasks(20)) h.scheduler.upsert(t);
    const task = { id: 'a', intervalMs: 10_000, host: 'h', phaseKey: 'one' };
    h.scheduler.upsert(task);
    h.scheduler.start();
    // Removed before its first poll (6.7 s in) and added back 3 s later, so it is queued anew 3 s further on.
    await h.clock.advance(3_000);
    h.scheduler.remove('a');
    h.scheduler.upsert(task);
    await h.clock.advance(100_000);
    await h.scheduler.stop();
    const polls = h.starts.filter((s) => s.id === 'a').length;
    expect(polls).toBeGreaterThanOrEqual(9);
    expect(polls).toBeLessThanOrEqual(11);
  });
});

describe('Scheduler and rare faults', () => {
  it('retries a task whose poll came back rare only after the rare delay, then on its interval again', async () => {
    const clock = new ManualClock(0);
    const starts: number[] = [];
    const scheduler = new Scheduler({
      ...settings,
      clock,
      random: seededRandom(5),
      rareRetryMs: 3_600_000,
      poll: async () => (starts.push(clock.now()), starts.length === 1 ? 'rare' : 'ok'),
    });
    scheduler.upsert({ id: 'x', intervalMs: 10_000, host: 'h', phaseKey: 'x' });
    scheduler.start();
    await clock.advance(3_650_000);
    await scheduler.stop();
    expect(starts[1]! - starts[0]!).toBe(3_600_000);
    expect(starts[2]! - starts[1]!).toBe(10_000);
  });
});
