// Follows the plays table for the live events, whichever node wrote them: on each wake-up (a commit of this
// node, a PostgreSQL NOTIFY from any node, a steady timer as the fallback) it reads the plays after the last
// id it passed on, in id order, which both stores make commit order. So a play written by another node
// reaches this node's clients, and live and resume read the same rows. The stations a flush of this node
// left silent are passed on once the tail has passed the plays of that flush.
import { atMost, type Clock, type TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import { lastOpenedId, type Flushed, type PlayReader, type StoredPlay } from '../store/contract.ts';

const PAGE = 500;

export interface PlaysTailOptions {
  reader: PlayReader;
  clock: Clock;
  logger: Logger;
  /** Reads at least this often, whatever woke it (or did not). */
  everyMs: number;
  publish(flushed: Flushed): void;
}

export class PlaysTail {
  private lastId = 0;
  private timer: TimerHandle | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private unwatch: (() => Promise<void>) | undefined;
  /** Ends of this node's flushes, each waiting until the tail has passed the plays that flush opened. */
  private ends: { untilId: number; silenced: StoredPlay[] }[] = [];

  constructor(private readonly opts: PlaysTailOptions) {}

  /** Starts after the plays already committed: only newer ones are live events. */
  async start(): Promise<void> {
    this.lastId = await this.opts.reader.lastPlayId();
    this.unwatch = await this.opts.reader.watchPlays(() => this.wake());
    this.arm();
  }

  /** What a flush of this node committed: its plays arrive through the table, its ends after them. */
  committed(flushed: Flushed): void {
    if (flushed.silenced.length) this.ends.push({ untilId: lastOpenedId(flushed), silenced: flushed.silenced });
    this.wake();
  }

  /** Reads now (or once more after the read under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readAll().finally(() => {
      this.reading = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    if (this.reading) await atMost(5_000, this.reading);
    if (this.unwatch) await atMost(1_000, this.unwatch());
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.opts.clock.setTimer(this.opts.everyMs, () => {
      this.wake();
      this.arm();
    });
  }

  private async readAll(): Promise<void> {
    try {
      for (;;) {
        const page = await this.opts.reader.playsAfter(this.lastId, PAGE);
        if (page.length) this.lastId = page.at(-1)!.id;
        const due = this.ends.filter((e) => e.untilId <= this.lastId);
        this.ends = this.ends.filter((e) => e.untilId > this.lastId);
        if (page.length || due.length) this.opts.publish({ opened: page, silenced: due.flatMap((e) => e.silenced), fenced: [] });
        if (page.length < PAGE) return;
      }
    } catch (err) {
      this.opts.logger.warn({ err }, 'cannot read new plays for the live events; retrying');
    }
  }
}
