// Bounded concurrency, globally and per host. The host slot is taken first, so a queue of polls for one
// crowded host waits without holding global slots that other hosts could use.
import pLimit, { type LimitFunction } from 'p-limit';

export class HostLimiter {
  private readonly global: LimitFunction;
  private readonly hosts = new Map<string, LimitFunction>();

  constructor(
    concurrency: number,
    private readonly perHost: number,
  ) {
    this.global = pLimit(concurrency);
  }

  run<T>(host: string, fn: () => Promise<T>): Promise<T> {
    let limit = this.hosts.get(host);
    if (!limit) {
      limit = pLimit(this.perHost);
      this.hosts.set(host, limit);
    }
    const hostLimit = limit;
    return hostLimit(() => this.global(fn)).finally(() => {
      // Forget idle hosts so a churning station list does not grow the map forever.
      if (hostLimit.activeCount === 0 && hostLimit.pendingCount === 0) this.hosts.delete(host);
    });
  }

  get activeCount(): number {
    return this.global.activeCount;
  }

  get pendingCount(): number {
    let n = 0;
    for (const l of this.hosts.values()) n += l.pendingCount;
    return n + this.global.pendingCount;
  }
}
