// The `disable` policy as the scheduler acts on it: a poll that comes back 'disabled' (a bug, a wrong entry)
// or that throws is never retried; the task is parked until the station list upserts it again.
import { describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '../../src/clock.ts';
import { Scheduler, type PollResult, type ScheduledTask } from '../../src/scheduler/scheduler.ts';

/** An exact timer (tick 0); the rest as the crawler runs. */
const settings = { concurrency: 64, perHost: 6, backoffCapMs: 5 * 60_000, rareRetryMs: 60 * 60_000, tickMs: 0 };
const task = (id: string, extra: Partial<ScheduledTask> = {}): ScheduledTask => ({ id, intervalMs: 1_000, host: 'h', phaseKey: id, ...extra });

/** A scheduler whose polls answer with `answer(id)` at once (or throw what it throws), counting polls per id. */
function harness(answer: (id: string) => PollResult) {
  const clock = new ManualClock(0);
  const polls = new Map<string, number>();
  const crashes: unknown[] = [];
  const scheduler = new Scheduler({
    ...settings,
    clock,
    random: seededRandom(7),
    onPollCrash: (_t, err) => crashes.push(err),
    poll: async (t) => {
      polls.set(t.id, (polls.get(t.id) ?? 0) + 1);
      return answer(t.id);
    },
  });
  return { clock, scheduler, crashes, pollsOf: (id: string) => polls.get(id) ?? 0 };
}

describe('Scheduler and disabled tasks', () => {
  it('polls a task that came back disabled once in 100 s, while its neighbours go on every second', async () => {
    const h = harness((id) => (id === 'bad' ? 'disabled' : 'ok'));
    h.scheduler.upsert(task('bad'));
    h.scheduler.upsert(task('good'));
    h.scheduler.start();
    await h.clock.advance(100_000);
    await h.scheduler.stop();
    expect(h.pollsOf('bad')).toBe(1);
    expect(h.pollsOf('good')).toBeGreaterThanOrEqual(99);
    expect(h.scheduler.isDisabled('bad')).toBe(true);
    expect(h.scheduler.isDisabled('good')).toBe(false);
    expect(h.scheduler.failuresOf('bad')).toBe(1);
    // Parked, not forgotten: the station is still in the list.
    expect(h.scheduler.has('bad')).toBe(true);
  });

  it('disables a task whose poll throws (a bug in the poll function), after telling onPollCrash once', async () => {
    const h = harness(() => {
      throw new TypeError('bug');
    });
    h.scheduler.upsert(task('x'));
    h.scheduler.start();
    await h.clock.advance(100_000);
    await h.scheduler.stop();
    expect(h.pollsOf('x')).toBe(1);
    expect(h.crashes).toHaveLength(1);
    expect(h.crashes[0]).toBeInstanceOf(TypeError);
    expect(h.scheduler.isDisabled('x')).toBe(true);
  });

  it('queues a disabled task again when it is upserted (its entry changed), and it then keeps its interval', async () => {
    let fixed = false;
    const h = harness(() => (fixed ? 'ok' : 'disabled'));
    h.scheduler.upsert(task('x'));
    h.scheduler.start();
    await h.clock.advance(50_000);
    expect(h.pollsOf('x')).toBe(1);
    fixed = true;
    // The same task, as the station list hands over an entry whose change the task does not show (a title path).
    h.scheduler.upsert(task('x'));
    expect(h.scheduler.isDisabled('x')).toBe(false);
    await h.clock.advance(50_000);
    await h.scheduler.stop();
    expect(h.pollsOf('x')).toBeGreaterThanOrEqual(50);
    expect(h.scheduler.failuresOf('x')).toBe(0);
  });

  it('does not park a task whose entry changed while its disabling poll ran: it backs off and tries the new entry', async () => {
    const clock = new ManualClock(0);
    let polls = 0;
    const scheduler: Scheduler = new Scheduler({
      ...settings,
      clock,
      random: seededRandom(7),
      poll: async () => {
        polls++;
        // The edit lands while the first poll is in flight.
        if (polls === 1) scheduler.upsert(task('x', { phaseKey: 'edited' }));
        return polls === 1 ? 'disabled' : 'ok';
      },
    });
    scheduler.upsert(task('x'));
    scheduler.start();
    await clock.advance(100_000);
    await scheduler.stop();
    expect(scheduler.isDisabled('x')).toBe(false);
    expect(polls).toBeGreaterThan(50);
  });
});
