// The writes a store has been handed and not yet committed, whatever the engine: changes and poll outcomes in
// call order, checked as they come (one bad call must not poison a whole batch), and committed one batch at a
// time. A batch whose commit fails goes back to the front of the queue, so nothing is lost or reordered.
import type { Flushed, PlayStart } from './contract.ts';
import type { PlaySource } from '../types.ts';

export type QueuedWrite =
  | { kind: 'change'; station: string; at: number; next: PlayStart | null }
  | { kind: 'poll'; station: string; at: number; error: string | null };

const SOURCES: readonly PlaySource[] = ['feed', 'stream'];

/**
 * A healthy station's last_success_at is rewritten at most this often: a row per successful poll was a third
 * of the crawler's SQLite time at 20,000 feeds, and health needs the minute, not the second. A failure, and
 * the first success after one, are written at once.
 */
export const HEALTH_REFRESH_MS = 60_000;

/**
 * Queued writes past which poll outcomes are dropped, oldest first (a database away for long): a station's
 * health is a summary its next poll rewrites, so losing old ones costs a stale line at most. Changes are
 * never dropped: they are the history. 200,000 writes are ~40 MB, a few minutes of 50,000 stations.
 */
export const MAX_QUEUED = 200_000;

export class WriteQueue {
  private writes: QueuedWrite[] = [];
  /** Poll outcomes dropped to keep the queue bounded, since start. */
  dropped = 0;
  /** When each healthy station's success was last queued; absent after a failure. */
  private readonly healthyAt = new Map<string, number>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly max = MAX_QUEUED) {}

  get size(): number {
    return this.writes.length;
  }

  change(station: string, at: number, next: PlayStart | null): void {
    checkTime(at);
    if (next !== null && !SOURCES.includes(next.source)) throw new TypeError(`unknown play source ${String(next.source)}`);
    this.writes.push({ kind: 'change', station, at, next });
  }

  poll(station: string, at: number, error: string | null): void {
    checkTime(at);
    if (error !== null) this.healthyAt.delete(station);
    else {
      const last = this.healthyAt.get(station);
      if (last !== undefined && at >= last && at - last < HEALTH_REFRESH_MS) return;
      this.healthyAt.set(station, at);
    }
    this.writes.push({ kind: 'poll', station, at, error });
    if (this.writes.length > this.max) this.trim();
  }

  /** Drops the oldest poll outcomes until the queue is at half its bound (or only changes are left). */
  private trim(): void {
    let excess = this.writes.length - Math.floor(this.max / 2);
    const before = this.writes.length;
    this.writes = this.writes.filter((w) => w.kind === 'change' || excess-- <= 0);
    this.dropped += before - this.writes.length;
  }

  /**
   * Hands everything queued to `commit` as one batch, after any commit still running. Writes queued while it
   * runs wait for the next call; if it throws, its batch is put back ahead of them.
   */
  flush(commit: (batch: QueuedWrite[]) => Flushed | Promise<Flushed>): Promise<Flushed> {
    const run = this.tail.then(async () => {
      if (this.writes.length === 0) return { opened: [], silenced: [] };
      const batch = this.writes;
      this.writes = [];
      try {
        return await commit(batch);
      } catch (err) {
        this.writes = batch.concat(this.writes);
        throw err;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function checkTime(at: number): void {
  if (!Number.isFinite(at)) throw new TypeError(`time must be epoch milliseconds, got ${at}`);
}
