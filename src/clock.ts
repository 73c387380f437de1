// Time and randomness as parameters: main.ts builds the real ones, tests pass a ManualClock.

export type TimerHandle = { cancel(): void };

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls fn once after ms (late if the process is busy); the handle cancels it. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** A number in [0, 1). */
export type Random = () => number;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

export const systemRandom: Random = Math.random;

/**
 * The system's timers on a monotonic time base (epoch ms at start, then performance.now): a wall clock that
 * steps never moves a lease deadline.
 */
export const steadyClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: systemClock.setTimer,
};

/** A clock that moves only when told to; timers fire in due order during advance(). */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }

  /** Number of timers still waiting. */
  pending(): number {
    return this.timers.filter((t) => t.live).length;
  }

  /** Moves time forward by ms, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.timers
        .filter((t) => t.live && t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      next.live = false;
      this.timers = this.timers.filter((t) => t.live);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = end;
    await flushMicrotasks();
  }

  /** Sets the time directly (may go backwards, to test clocks that jump). */
  set(time: number): void {
    this.time = time;
  }
}

/**
 * Lets every promise callback already queued, and all that they queue in turn, run to any depth of awaits,
 * without turning the event loop: no timer, immediate or I/O callback runs meanwhile, so what a test on a
 * ManualClock sees never depends on how fast the machine or its real I/O is. A process.nextTick callback
 * queued from inside a promise callback runs only once the microtask queue is empty, so each round drains
 * it whole; the rounds after the first settle work that hops through process.nextTick (Node streams and
 * emitters). It was 20 `await Promise.resolve()`, which let a chain of more than about 20 awaits run on
 * past the next timer.
 */
export async function flushMicrotasks(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await Promise.resolve(); // so that the tick below is queued from a promise callback
    await new Promise<void>((resolve) => process.nextTick(resolve));
  }
}

/** A seeded generator (mulberry32) so tests get the same jitter every run. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Waits for `promise` (its failure ignored), but no longer than `ms` of real time: for clean-up steps that a
 * broken connection could hold forever (an UNLISTEN on a connection the server dropped).
 */
export async function atMost(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms).unref()))]);
  clearTimeout(timer);
}
