// Polls many tasks on one timer: a due-queue ordered by time, bounded concurrency globally and per host,
// never two polls of one task at once, exponential backoff on failure. It knows nothing of feeds or
// databases: it is handed a poll function and told what each poll came to.
import type { Clock, Random, TimerHandle } from '../clock.ts';
import { DueQueue } from './due-queue.ts';
import { HostLimiter } from './limiter.ts';
import { LagRecorder } from './lag.ts';
import { backoffDelay, firstDelay, nextDueAfterSuccess } from './next-due.ts';

export interface ScheduledTask {
  id: string;
  intervalMs: number;
  /** Host the poll talks to, for the per-host cap. */
  host: string;
  /** Tasks with the same phase key are due at the same moments (one shared fetch serves them). */
  phaseKey: string;
}

/**
 * What a poll came to: ok (including not-modified), failed (backs off), rare (retry after rareRetryMs), or
 * disabled (a bug or a wrong entry: never retried; the task is parked until upsert() brings its entry back).
 */
export type PollResult = 'ok' | 'failed' | 'rare' | 'disabled';

/** `dueAt`: when the poll was due (it starts then or later): what it reads must be no older than that round. */
export type PollFunction = (task: ScheduledTask, signal: AbortSignal, dueAt: number) => Promise<PollResult>;

export interface SchedulerOptions {
  clock: Clock;
  random: Random;
  poll: PollFunction;
  /** Polls in flight at once, and per host. Values come resolved and checked (config.ts): none defaults here. */
  concurrency: number;
  perHost: number;
  backoffCapMs: number;
  /** Delay before retrying a task whose poll came back 'rare'. */
  rareRetryMs: number;
  /** Called with each poll's schedule lag (start minus due time, ms) as it starts. */
  onLag?: (ms: number) => void;
  /**
   * Timer granularity: the timer fires on multiples of tickMs and starts every poll due by then, so polls
   * go out in batches (lag grows by up to one tick). 0: a poll starts at its own due time.
   * Measured with the farm, 20,000 feeds at 10 s: a 200 ms tick halves the crawler's CPU, since each
   * timer wake-up and each lone request costs syscalls and a wake-up of the other side too.
   */
  tickMs: number;
  /** Called when a poll throws instead of returning a result (a bug in the poll function): the task is disabled. */
  onPollCrash?: (task: ScheduledTask, err: unknown) => void;
}

/** Where a task new to this scheduler starts (a station taken over from another node). */
export interface TaskStart {
  /** Its first poll falls within this many ms (at its phase), instead of within its interval. */
  withinMs?: number;
  /** Consecutive failures so far, and when the last one was: the task resumes its backoff. */
  failures?: number;
  lastFailureAt?: number;
}

interface TaskState {
  task: ScheduledTask;
  failures: number;
  inFlight: boolean;
  removed: boolean;
  /** Parked after a 'disabled' poll: not queued until upsert(). */
  disabled: boolean;
}

export class Scheduler {
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly pollFn: PollFunction;
  private readonly limiter: HostLimiter;
  private readonly backoffCapMs: number;
  private readonly rareRetryMs: number;
  private readonly onPollCrash: (task: ScheduledTask, err: unknown) => void;
  private readonly onLag: ((ms: number) => void) | undefined;
  private readonly tickMs: number;
  private readonly queue = new DueQueue();
  private readonly tasks = new Map<string, TaskState>();
  /** Polls dispatched and not yet settled, and who waits for there to be none (stop). */
  private dispatched = 0;
  private drained: (() => void)[] = [];
  /**
   * One signal for every poll of a run, aborted by stop(). Shared, because a signal per poll was the largest
   * share of the crawler's garbage; whoever listens to it goes through the fan-out in src/abort.ts.
   */
  private stopping = new AbortController();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private running = false;

  readonly lag = new LagRecorder();
  polls = 0;
  failures = 0;

  constructor(opts: SchedulerOptions) {
    this.clock = opts.clock;
    this.random = opts.random;
    this.pollFn = opts.poll;
    this.limiter = new HostLimiter(opts.concurrency, opts.perHost);
    this.backoffCapMs = opts.backoffCapMs;
    this.rareRetryMs = opts.rareRetryMs;
    this.onPollCrash = opts.onPollCrash ?? (() => {});
    this.onLag = opts.onLag;
    this.tickMs = opts.tickMs;
  }

  /**
   * Adds a task, or updates one in place (an interval change takes effect from its next poll). The station
   * list upserts only added and changed entries, so a disabled task upserted again is queued again: what
   * parked it may be fixed.
   */
  upsert(task: ScheduledTask, start?: TaskStart): void {
    const state = this.tasks.get(task.id);
    if (state) {
      const moved = state.task.phaseKey !== task.phaseKey || state.task.intervalMs !== task.intervalMs;
      const parked = state.disabled;
      state.task = task;
      state.disabled = false;
      if (parked) state.failures = 0;
      if ((moved || parked) && !state.inFlight) this.queue.push(task.id, this.clock.now() + firstDelay(task.phaseKey, task.intervalMs));
    } else {
      const failures = start?.failures ?? 0;
      this.tasks.set(task.id, { task, failures, inFlight: false, removed: false, disabled: false });
      const now = this.clock.now();
      let due = now + firstDelay(task.phaseKey, Math.min(task.intervalMs, start?.withinMs ?? Infinity));
      // Resuming a failing station where another node left it: its backoff runs from its last failure.
      if (failures > 0 && start?.lastFailureAt !== undefined)
        due = Math.max(due, start.lastFailureAt + backoffDelay(failures, { intervalMs: task.intervalMs, capMs: this.backoffCapMs }, this.random));
      this.queue.push(task.id, due);
    }
    this.arm();
  }

  remove(id: string): void {
    const state = this.tasks.get(id);
    if (!state) return;
    state.removed = true;
    this.tasks.delete(id);
    this.queue.remove(id);
  }

  has(id: string): boolean {
    return this.tasks.has(id);
  }

  /** True while a task is parked after a 'disabled' poll. */
  isDisabled(id: string): boolean {
    return this.tasks.get(id)?.disabled ?? false;
  }

  /** Consecutive failures of a task (0 when healthy or unknown). */
  failuresOf(id: string): number {
    return this.tasks.get(id)?.failures ?? 0;
  }

  get size(): number {
    return this.tasks.size;
  }

  get activeCount(): number {
    return this.limiter.activeCount;
  }

  /** Polls dispatched and not yet settled (waiting for a slot or running). */
  get inFlightCount(): number {
    return this.dispatched;
  }

  start(): void {
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    this.running = true;
    this.arm();
  }

  /** Stops scheduling, aborts polls in flight and waits for them to settle. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.stopping.abort();
    if (this.dispatched > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  private arm(): void {
    if (!this.running) return;
    const next = this.queue.peekDue();
    if (next === undefined) return;
    const due = this.tickMs > 0 ? Math.ceil(next / this.tickMs) * this.tickMs : next;
    if (due >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = due;
    this.timer = this.clock.setTimer(due - this.clock.now(), () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (!this.running) return;
    const now = this.clock.now();
    for (let entry = this.queue.popDue(now); entry; entry = this.queue.popDue(now)) {
      const state = this.tasks.get(entry.key);
      if (state) this.dispatch(state, entry.dueAt);
    }
    this.arm();
  }

  // A count and one callback, not a Set of promises with a .finally each: fewer objects per poll.
  private dispatch(state: TaskState, dueAt: number): void {
    state.inFlight = true;
    this.dispatched++;
    void this.limiter.run(state.task.host, () => this.runPoll(state, dueAt)).then(this.settled, this.crashed);
  }

  private readonly settled = (): void => {
    if (--this.dispatched > 0) return;
    const waiting = this.drained;
    this.drained = [];
    for (const resolve of waiting) resolve();
  };

  /** A crashing poll function is caught in runPoll: what reaches here is a bug of the scheduler's, left unhandled. */
  private readonly crashed = (err: unknown): never => {
    this.settled();
    throw err;
  };

  private async runPoll(state: TaskState, dueAt: number): Promise<void> {
    if (!this.running || state.removed) {
      state.inFlight = false;
      return;
    }
    const started = this.clock.now();
    const lag = Math.max(0, started - dueAt);
    this.lag.record(lag);
    this.onLag?.(lag);
    this.polls++;
    const polled = state.task;
    let result: PollResult;
    try {
      result = await this.pollFn(polled, this.stopping.signal, dueAt);
    } catch (err) {
      this.onPollCrash(polled, err);
      result = 'disabled';
    }
    state.inFlight = false;
    if (state.removed || !this.running) return;
    const finished = this.clock.now();
    // Its entry changed while it ran: the new one may be fine, so it backs off instead of being parked.
    if (result === 'disabled' && state.task !== polled) result = 'failed';
    let next: number;
    if (result === 'disabled') {
      this.failures++;
      state.failures++;
      state.disabled = true;
      return;
    } else if (result === 'ok') {
      state.failures = 0;
      next = nextDueAfterSuccess(dueAt, finished, state.task.intervalMs);
    } else if (result === 'rare') {
      this.failures++;
      state.failures++;
      next = finished + this.rareRetryMs;
    } else {
      this.failures++;
      state.failures++;
      next = finished + backoffDelay(state.failures, { intervalMs: state.task.intervalMs, capMs: this.backoffCapMs }, this.random);
    }
    this.queue.push(state.task.id, next);
    this.arm();
  }
}
