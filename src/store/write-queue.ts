// The writes a store has been handed and not yet committed, whatever the engine: changes and poll outcomes in
// call order, checked as they come (one bad call must not poison a whole batch), and committed one batch at a
// time. A batch whose commit fails stays at the front of the queue, whole and under its id, so nothing is
// lost, reordered, or (where the store checks the id) written twice.
import { randomUUID } from 'node:crypto';
import type { Flushed, Lease, PlayStart, WriteFence } from './contract.ts';
import type { PlaySource } from '../types.ts';

/** `lease`: the one the write was made under, checked at commit by a fenced store; undefined without a fence. */
export type QueuedWrite =
  | { kind: 'change'; station: string; at: number; next: PlayStart | null; lease: Lease | undefined }
  | { kind: 'poll'; station: string; at: number; error: string | null; lease: Lease | undefined };

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

/**
 * Writes committed together, under an id of their own: a batch whose commit failed is retried whole under the
 * same id, so a store whose commit may have landed without its answer arriving (a server database) can tell a
 * retry from a new batch and write it once.
 */
export interface WriteBatch {
  id: string;
  writes: QueuedWrite[];
}

export class WriteQueue {
  /** Batches whose commit failed, oldest first: retried as they were, before anything newer. */
  private failed: WriteBatch[] = [];
  private writes: QueuedWrite[] = [];
  /** Poll outcomes dropped to keep the queue bounded, since start. */
  dropped = 0;
  /** Trim again only past this length, so a queue of changes alone does not trim on every poll. */
  private trimAt: number;
  /** When each healthy station's success was last queued; absent after a failure. */
  private readonly healthyAt = new Map<string, number>();
  private tail: Promise<unknown> = Promise.resolve();
  /** Set by a node that leases partitions: writes are queued under their station's lease, or dropped. */
  fence: WriteFence | undefined;

  constructor(private readonly max = MAX_QUEUED) {
    this.trimAt = max;
  }

  get size(): number {
    return this.writes.length + this.failed.reduce((n, b) => n + b.writes.length, 0);
  }

  change(station: string, at: number, next: PlayStart | null): void {
    checkTime(at);
    if (next !== null && !SOURCES.includes(next.source)) throw new TypeError(`unknown play source ${String(next.source)}`);
    const lease = this.fence?.leaseOf(station);
    if (this.fence && !lease) return;
    this.writes.push({ kind: 'change', station, at, next, lease });
  }

  poll(station: string, at: number, error: string | null): void {
    checkTime(at);
    const lease = this.fence?.leaseOf(station);
    if (this.fence && !lease) return;
    if (error !== null) this.healthyAt.delete(station);
    else {
      const last = this.healthyAt.get(station);
      if (last !== undefined && at >= last && at - last < HEALTH_REFRESH_MS) return;
      this.healthyAt.set(station, at);
    }
    this.writes.push({ kind: 'poll', station, at, error, lease });
    if (this.writes.length > this.trimAt) this.trim();
  }

  /**
   * Drops every queued write of these stations, failed batches included (a batch keeps its id, so a store
   * that saw its first commit land still skips it whole).
   */
  discard(stations: ReadonlySet<string>): void {
    const keep = (w: QueuedWrite) => !stations.has(w.station);
    this.writes = this.writes.filter(keep);
    for (const b of this.failed) b.writes = b.writes.filter(keep);
    for (const s of stations) this.healthyAt.delete(s);
  }

  /** Drops the oldest poll outcomes until the queue is at half its bound (or only changes are left). */
  private trim(): void {
    let excess = this.writes.length - Math.floor(this.max / 2);
    const before = this.writes.length;
    this.writes = this.writes.filter((w) => w.kind === 'change' || excess-- <= 0);
    this.dropped += before - this.writes.length;
    // A success dropped here must be queued again by the station's next one, not a minute later.
    this.healthyAt.clear();
    this.trimAt = Math.max(this.max, this.writes.length + Math.floor(this.max / 2));
  }

  /**
   * Commits, after any flush still running: first the batches that failed before (each under its own id),
   * then everything queued since, as one new batch. Writes queued meanwhile wait for the next call. A batch
   * whose commit throws stays queued with the ones after it, in order; the flush rejects if nothing went in,
   * else resolves with what did.
   */
  flush(commit: (batch: WriteBatch) => Flushed | Promise<Flushed>): Promise<Flushed> {
    const run = this.tail.then(async () => {
      if (this.writes.length > 0) {
        this.failed.push({ id: randomUUID(), writes: this.writes });
        this.writes = [];
        this.trimAt = this.max;
      }
      const all: Flushed = { opened: [], silenced: [], fenced: [] };
      for (let committed = 0; this.failed.length > 0; committed++) {
        let flushed: Flushed;
        try {
          flushed = await commit(this.failed[0]!);
        } catch (err) {
          // Something went in before it: report that (its events are due); the rest waits for the next flush.
          if (committed > 0) return all;
          throw err;
        }
        this.failed.shift();
        merge(all, flushed);
      }
      return all;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** Adds a later commit's result to an earlier one's: a station it opened again is no longer silent. */
function merge(into: Flushed, later: Flushed): void {
  const reopened = new Set(later.opened.map((p) => p.station));
  into.silenced = into.silenced.filter((p) => !reopened.has(p.station)).concat(later.silenced);
  into.opened.push(...later.opened);
  into.fenced = [...new Set([...into.fenced, ...later.fenced])];
}

function checkTime(at: number): void {
  if (!Number.isFinite(at)) throw new TypeError(`time must be epoch milliseconds, got ${at}`);
}
