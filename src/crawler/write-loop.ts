// Commits the store's queued writes on a fixed beat (one transaction per beat, however many stations changed),
// counts what each commit cost, and tells the observers. A commit that fails keeps its writes queued; while
// the database stays away the beat backs off (doubling, up to RETRY_CAP_MS) and the outage is logged once.
// The loop never stops for it.
import type { Clock, TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { PlayStore } from '../store/contract.ts';
import type { Observers } from './observers.ts';
import type { WriteStats } from './view.ts';

/** Longest pause between commit attempts while the database is away. */
export const RETRY_CAP_MS = 5_000;

export class WriteLoop {
  readonly stats: WriteStats = { batches: 0, rows: 0, ms: 0, maxMs: 0 };
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** Set during an outage: it is logged once, not every beat, and the beat backs off. */
  private failing = false;
  private delayMs: number;
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: { store: PlayStore; clock: Clock; logger: Logger; observers: Observers; everyMs: number },
  ) {
    this.delayMs = deps.everyMs;
  }

  start(): void {
    this.arm();
  }

  /**
   * Commits what is queued now, after any commit of this loop still running (so the counts are the rows each
   * commit took, and "flushed" means committed); rejects if nothing could be committed (the writes stay queued).
   */
  flush(): Promise<void> {
    const run = this.last.then(() => this.commit());
    this.last = run.catch(() => undefined);
    return run;
  }

  private async commit(): Promise<void> {
    const { store, observers } = this.deps;
    const rows = store.pending();
    if (rows === 0) return;
    const started = performance.now();
    const flushed = await store.flush();
    const ms = performance.now() - started;
    const s = this.stats;
    s.batches++;
    s.rows += rows;
    s.ms += ms;
    s.maxMs = Math.max(s.maxMs, ms);
    if (observers.watched) observers.notify((o) => o.flush?.(ms, rows));
    observers.committed(flushed);
  }

  /** Stops the beat and commits what is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.flush();
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimer(this.delayMs, () => void this.beat());
  }

  private async beat(): Promise<void> {
    try {
      await this.flush();
      if (this.failing) this.deps.logger.info({ queued: this.deps.store.pending() }, 'database writes recovered');
      this.failing = false;
      this.delayMs = this.deps.everyMs;
    } catch (err) {
      if (!this.failing) this.deps.logger.error({ err }, 'database write failed; the changes stay queued and are retried');
      this.failing = true;
      this.delayMs = Math.min(RETRY_CAP_MS, this.delayMs * 2);
    }
    this.arm();
  }
}
