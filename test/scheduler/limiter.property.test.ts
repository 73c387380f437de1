// HostLimiter against a model of what it promises: tasks take a host slot in order of submission, then a
// global slot, and no slot stays empty while a task could use it. Each task is held open on a gate the test
// opens in an order fast-check chooses, one task or several at once; some fail, some submit another task
// when they settle (a retry), over a few hosts with small bounds so the bounds are reached.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { HostLimiter } from '../../src/scheduler/limiter.ts';

const HOSTS = ['h0', 'h1', 'h2'];

type Cmd =
  /** Submits tasks on these hosts in one synchronous run; `retry` submits another on that host once it settles. */
  | { op: 'submit'; hosts: number[]; retry: number | null }
  /** Opens the gates of these running tasks (indexes into the running list, by start order) at once. */
  | { op: 'finish'; picks: number[]; fail: boolean };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    op: fc.constant('submit' as const),
    hosts: fc.array(fc.nat(HOSTS.length - 1), { minLength: 1, maxLength: 3 }),
    retry: fc.option(fc.nat(HOSTS.length - 1), { freq: 4 }),
  }),
  fc.record({
    op: fc.constant('finish' as const),
    picks: fc.array(fc.nat(7), { minLength: 1, maxLength: 3 }),
    fail: fc.boolean(),
  }),
);

interface Task {
  id: number;
  host: string;
  runs: number;
  running: boolean;
  /** Opens the gate: the task returns its id, or throws. */
  open?: (fail: boolean) => void;
  opened: boolean;
  settled: boolean;
}

/**
 * Waits until no promise callback is left to run: every callback already queued, and every one they queue in
 * turn, runs before a setImmediate callback does. So the limiter has finished reacting to the last step,
 * however many microtasks that took (the limiter uses promises only, no timers).
 */
const quiescent = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The limiter's map of host limits, to check that idle hosts are forgotten (nothing public shows it). */
function knownHosts(limiter: HostLimiter): string[] {
  return [...(limiter as unknown as { hosts: Map<string, unknown> }).hosts.keys()].sort();
}

async function check(concurrency: number, perHost: number, cmds: Cmd[]): Promise<void> {
  const limiter = new HostLimiter(concurrency, perHost);
  const tasks: Task[] = [];
  const running: Task[] = [];
  // What went wrong inside tasks and their callbacks, where a throw would only become a task failure or an
  // unhandled rejection; checked after every step.
  const violations: string[] = [];
  const want = (ok: boolean, what: string) => void (ok || violations.push(what));

  const submit = (hostIndex: number, retry: number | null): void => {
    const task: Task = { id: tasks.length, host: HOSTS[hostIndex]!, runs: 0, running: false, opened: false, settled: false };
    tasks.push(task);
    const gate = new Promise<boolean>((resolve) => (task.open = resolve));
    limiter
      .run(task.host, async () => {
        task.runs++;
        want(task.runs === 1, `task ${task.id} ran twice`);
        task.running = true;
        running.push(task);
        want(running.length <= concurrency, `${running.length} running, concurrency ${concurrency}`);
        const onHost = running.filter((t) => t.host === task.host).length;
        want(onHost <= perHost, `${onHost} running on ${task.host}, perHost ${perHost}`);
        const fail = await gate;
        task.running = false;
        running.splice(running.indexOf(task), 1);
        if (fail) throw new Error(`task ${task.id} failed`);
        return task.id;
      })
      .then(
        (value) => want(value === task.id, `task ${task.id}: run() resolved with ${value}`),
        (err: Error) => want(err.message === `task ${task.id} failed`, `task ${task.id}: run() rejected with ${err.message}`),
      )
      .then(() => {
        want(task.opened, `task ${task.id} settled before its gate opened`);
        task.settled = true;
        if (retry !== null) submit(retry, null);
      });
  };

  const finish = (picks: number[], fail: boolean): void => {
    const chosen = new Set<Task>();
    for (const p of picks) if (running.length > 0) chosen.add(running[p % running.length]!);
    for (const t of chosen) {
      t.opened = true;
      t.open!(fail);
    }
  };

  const agreeWithModel = (at: string): void => {
    assert.deepEqual(violations, [], at);
    const outstanding = tasks.filter((t) => !t.settled);
    for (const t of outstanding) assert.ok(!t.opened, `${at}: task ${t.id} opened but never settled`);
    let holders = 0;
    for (const host of HOSTS) {
      const queue = outstanding.filter((t) => t.host === host);
      holders += Math.min(perHost, queue.length);
      // Host slots go in order of submission: a running task is among the first perHost outstanding on its host.
      for (const [i, t] of queue.entries()) if (t.running) assert.ok(i < perHost, `${at}: task ${t.id} jumped the ${host} queue`);
    }
    // No slot idles while a task could take it.
    assert.equal(running.length, Math.min(concurrency, holders), `${at}: running`);
    assert.equal(limiter.activeCount, running.length, `${at}: activeCount`);
    assert.equal(limiter.pendingCount, outstanding.length - running.length, `${at}: pendingCount`);
    const busy = HOSTS.filter((h) => outstanding.some((t) => t.host === h));
    assert.deepEqual(knownHosts(limiter), busy, `${at}: known hosts`);
  };

  for (const [step, c] of cmds.entries()) {
    if (c.op === 'submit') for (const h of c.hosts) submit(h, c.retry);
    else finish(c.picks, c.fail);
    await quiescent();
    agreeWithModel(`step ${step} ${JSON.stringify(c)}`);
  }
  // Drain: open every running task's gate until all have settled.
  for (let round = 0; tasks.some((t) => !t.settled); round++) {
    assert.ok(running.length > 0, 'tasks outstanding, none running: the limiter stalled');
    finish(running.map((_, i) => i), round % 2 === 1);
    await quiescent();
    agreeWithModel(`drain round ${round}`);
  }
  for (const t of tasks) assert.equal(t.runs, 1, `task ${t.id} ran ${t.runs} times`);
  assert.equal(limiter.activeCount, 0);
  assert.equal(limiter.pendingCount, 0);
  assert.deepEqual(knownHosts(limiter), []);
}

describe('HostLimiter', () => {
  it('keeps both bounds, runs every task once in host order, leaves no usable slot idle and forgets idle hosts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(cmd, { maxLength: 30, size: 'medium' }),
        check,
      ),
      { numRuns: 2000 },
    );
  });
});
