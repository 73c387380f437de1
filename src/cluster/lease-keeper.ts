// Keeps this node's partition leases: every round it renews what it holds (with its heartbeat), drops what
// it lost, gives back what it holds past its share (after its owner flushed), and takes what it lacks. A
// timer at the earliest local deadline drops leases whose renewals stopped answering, so a node cut off
// from the database stops polling before anyone can take over. The rules are lease-rules.ts; this is the I/O.
import { atMost, type Clock, type Random, type TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Heartbeat, Lease, LeaseStore } from '../store/contract.ts';
import { gain, nextDeadline, overdue, planRound, without, type Held, type LeaseTimes } from './lease-rules.ts';

/** What the node does when its leases change; the keeper waits on gained and releasing before going on. */
export interface Ownership {
  /**
   * Newly owned: restore their state, start polling them. `takenOver` is false for what the node takes in its
   * first round (it is starting: its stations spread over their interval, as at any start) and true after
   * (another node left them: they are polled again at once).
   */
  gained(leases: readonly Lease[], takenOver: boolean): Promise<void>;
  /** No longer owned (taken, or run out): stop polling them now, forget their queued writes. */
  lost(parts: readonly number[]): void;
  /** About to be given back: stop polling them and commit their writes while the leases still hold. */
  releasing(parts: readonly number[]): Promise<void>;
}

export interface LeaseKeeperDeps {
  store: LeaseStore;
  node: string;
  times: LeaseTimes;
  /** Monotonic: the local deadlines and the round timer. */
  clock: Clock;
  random: Random;
  logger: Logger;
  ownership: Ownership;
  heartbeat(): Heartbeat;
}

export class LeaseKeeper {
  private held = new Map<number, Held>();
  /**
   * Held, and not polled: taken, or given back in vain, without `gained` having succeeded for them since (it
   * reads the database, which may fail just then). Started again every round until it does, or they go.
   */
  private idle = new Set<number>();
  private roundTimer: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private running = false;
  private round: Promise<void> = Promise.resolve();
  /** Set during an outage: logged once, not every round. */
  private failing = false;
  private unwatch: (() => Promise<void>) | undefined;
  rounds = 0;
  lastRoundMs = 0;

  constructor(private readonly deps: LeaseKeeperDeps) {}

  get node(): string {
    return this.deps.node;
  }

  /** The lease of a partition while this node holds it. */
  leaseOf(part: number): Lease | undefined {
    const h = this.held.get(part);
    return h && { part, epoch: h.epoch };
  }

  owns(part: number): boolean {
    return this.held.has(part);
  }

  get partitions(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /**
   * Gives back what a previous run under this node's name still holds (it is gone: this is its name), then runs
   * the first round, so the node owns its share before it polls anything.
   */
  async start(): Promise<void> {
    this.running = true;
    try {
      await this.deps.store.leave(this.deps.node);
      // Another node giving leases back (a clean stop, a rebalance): take them now, not at the next round.
      this.unwatch = await this.deps.store.watchLeases(() => void this.runRound());
    } catch (err) {
      this.deps.logger.error({ err }, 'cannot reach the database for leases; retrying');
    }
    await this.runRound();
  }

  /** Stops renewing, then gives back every lease at once (the caller has flushed). */
  async stop(): Promise<void> {
    this.running = false;
    this.roundTimer?.cancel();
    this.deadlineTimer?.cancel();
    if (this.unwatch) await atMost(1_000, this.unwatch());
    await atMost(this.deps.times.ttlMs, this.round);
    this.held = new Map();
    try {
      await this.deps.store.leave(this.deps.node);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not give the leases back; they run out by themselves');
    }
  }

  private runRound(): Promise<void> {
    this.round = this.round.then(() => this.renewAndBalance()).finally(() => this.armRound());
    return this.round;
  }

  private armRound(): void {
    this.roundTimer?.cancel();
    if (!this.running) return;
    const { renewEveryMs } = this.deps.times;
    // ±10 %: nodes started together do not renew in the same instant.
    const delay = renewEveryMs * (0.9 + 0.2 * this.deps.random());
    this.roundTimer = this.deps.clock.setTimer(delay, () => void this.runRound());
  }

  private async renewAndBalance(): Promise<void> {
    if (!this.running) return;
    const { store, node, times, clock, ownership, logger } = this.deps;
    const sentAt = clock.now();
    try {
      const held = [...this.held].map(([part, h]) => ({ part, epoch: h.epoch }));
      // Bounded here too: across a lost network the server's timeouts cannot answer, and the round must end.
      const { renewed, liveNodes } = await within(clock, times.ttlMs, store.renewLeases(node, held, times.ttlMs, this.deps.heartbeat()));
      if (!this.running) return;
      // this.held, not `held`: a lease that ran out locally while the renewal was on its way stays dropped.
      const plan = planRound(this.held, renewed, liveNodes, sentAt, times);
      this.held = plan.held;
      if (plan.lost.length) {
        logger.warn({ partitions: plan.lost.length }, 'leases lost to another node');
        ownership.lost(plan.lost);
      }
      if (plan.giveBack.length) {
        const parts = plan.giveBack.map((l) => l.part);
        // Not polled from here on; if the give-back fails they are still ours, and idle until started again.
        for (const p of parts) this.idle.add(p);
        await ownership.releasing(parts);
        await store.releaseLeases(node, plan.giveBack);
        this.held = without(this.held, parts);
        logger.info({ partitions: parts.length, share: this.held.size }, 'leases given back to balance the nodes');
      }
      if (plan.take > 0 && this.running) {
        const takenAt = clock.now();
        const taken = await store.acquireLeases(node, plan.take, times.ttlMs);
        if (taken.length) {
          this.held = gain(this.held, taken, takenAt, times);
          for (const l of taken) this.idle.add(l.part);
          // Their local deadline holds from now on, even if starting them hangs (a database cut off mid-read).
          this.armDeadline();
          logger.info({ partitions: taken.length, held: this.held.size, nodes: liveNodes }, 'leases taken');
        }
      }
      await this.startIdle();
      if (this.failing) logger.info({ held: this.held.size }, 'lease renewals recovered');
      this.failing = false;
    } catch (err) {
      if (!this.failing) logger.error({ err, idle: this.idle.size }, 'lease renewal failed; polling goes on until the leases run out locally');
      this.failing = true;
    } finally {
      this.rounds++;
      this.lastRoundMs = clock.now() - sentAt;
      this.armDeadline();
    }
  }

  /**
   * Starts polling the idle partitions still held. Before, a `gained` that failed (the database away for a
   * moment, as after its restart) left its partitions held and renewed every round, yet never polled, until
   * the node lost them: every title they played meanwhile was missed.
   */
  private async startIdle(): Promise<void> {
    for (const p of this.idle) if (!this.held.has(p)) this.idle.delete(p);
    if (this.idle.size === 0 || !this.running) return;
    const leases = [...this.idle].map((part) => this.leaseOf(part)!);
    await this.deps.ownership.gained(leases, this.rounds > 0);
    for (const l of leases) this.idle.delete(l.part);
  }

  /** Drops what ran out; then waits for the next deadline. */
  private armDeadline(): void {
    this.deadlineTimer?.cancel();
    if (!this.running) return;
    const due = overdue(this.held, this.deps.clock.now());
    if (due.length) {
      this.held = without(this.held, due);
      this.deps.logger.error({ partitions: due.length }, 'leases ran out without a renewal; stopped polling them');
      this.deps.ownership.lost(due);
    }
    const next = nextDeadline(this.held);
    if (next !== undefined) this.deadlineTimer = this.deps.clock.setTimer(next - this.deps.clock.now(), () => this.armDeadline());
  }
}

/** The promise, or a rejection once `ms` have passed without an answer. */
function within<T>(clock: Clock, ms: number, promise: Promise<T>): Promise<T> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimer(ms, () => reject(new Error(`no answer from the database within ${ms} ms`)));
  });
  return Promise.race([promise, timeout]).finally(() => timer?.cancel());
}
