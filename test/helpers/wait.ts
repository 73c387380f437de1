// Waiting in tests for something that happens over real I/O (a socket, a child process, a browser): poll a
// condition under a generous wall-clock deadline, and fail by naming what never happened. Not for the
// manual clock: what only the clock moves needs no deadline, only `clock.advance`.
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** What the test waits for, as the end of "timed out after N ms waiting for …"; a function is read at the timeout, to say how far it got. */
  what: string | (() => string);
  /**
   * Generous on purpose: loopback I/O takes milliseconds, so this only fires when something is broken. It
   * stays under vitest's 30 s test timeout, so the failure says what it waited for instead of only "timed out".
   */
  timeoutMs?: number;
  /** How often to check, on a real timer: a wait on I/O sleeps between checks instead of spinning the event loop. */
  everyMs?: number;
}

/**
 * Resolves once `condition` returns true (it is checked at once, then every `everyMs`); rejects with
 * `timed out after ${timeoutMs} ms waiting for ${what}` when it is still false at the deadline. A condition
 * that throws ends the wait with its error.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, opts: WaitOptions): Promise<void> {
  const { timeoutMs = 20_000, everyMs = 2 } = opts;
  // performance.now, not Date.now: vitest's fake timers fake Date by default, and the wall clock can jump.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (performance.now() >= deadline) {
      const what = typeof opts.what === 'function' ? opts.what() : opts.what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(everyMs);
  }
}
