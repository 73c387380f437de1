// The crawler's event fan-out: observers of polls, lag and commits, and listeners of what each commit wrote.
// A watcher that throws is logged and ignored, so it can never break polling or writes.
import type { Logger } from '../log.ts';
import type { Flushed } from '../store/contract.ts';
import type { CrawlerObserver } from './view.ts';

export class Observers {
  private readonly observers = new Set<CrawlerObserver>();
  private readonly commits = new Set<(flushed: Flushed) => void>();

  constructor(private readonly logger: Logger) {}

  /** True when someone watches: callers skip building what nobody would receive. */
  get watched(): boolean {
    return this.observers.size > 0;
  }

  observe(observer: CrawlerObserver): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  onCommit(listener: (flushed: Flushed) => void): () => void {
    this.commits.add(listener);
    return () => void this.commits.delete(listener);
  }

  notify(call: (o: CrawlerObserver) => void): void {
    for (const o of this.observers) this.guard(() => call(o));
  }

  committed(flushed: Flushed): void {
    if (flushed.opened.length === 0 && flushed.silenced.length === 0) return;
    for (const l of this.commits) this.guard(() => l(flushed));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err }, 'crawler observer failed (a bug); ignored');
    }
  }
}
