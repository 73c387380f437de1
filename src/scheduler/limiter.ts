// Bounded concurrency, globally and per host. The host slot is taken first, so a queue of polls for one
// crowded host waits without holding global slots that other hosts could use. Both queues are FIFO.
// Counters, two queues and one callback per task, instead of two nested p-limits: those cost each poll some
// twenty objects and several promise hops, 15 % of the crawler's garbage at 20,000 feeds (an allocation
// profile of the crawler, docs/performance.md).

/** First in, first out, with O(1) take (Array#shift is O(n), and a backlog queues tens of thousands). */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Drop the taken prefix once it is most of the array.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

interface Host {
  name: string;
  /** Tasks holding one of this host's slots: running, or waiting for a global slot. */
  holding: number;
  /** Tasks waiting for one of this host's slots. */
  waiting: Fifo<Task>;
}

interface Task {
  host: Host;
  fn: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class HostLimiter {
  private running = 0;
  /** Tasks that hold their host slot and wait for a global one. */
  private readonly ready = new Fifo<Task>();
  /** Hosts with a task holding or waiting for a slot; an idle host is forgotten (a churning list must not grow it). */
  private readonly hosts = new Map<string, Host>();
  private waitingForHost = 0;

  constructor(
    private readonly concurrency: number,
    private readonly perHost: number,
  ) {}

  /** Runs fn once a slot of `host` and a global slot are free; settles as fn's promise does. */
  run<T>(host: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let h = this.hosts.get(host);
      if (!h) {
        h = { name: host, holding: 0, waiting: new Fifo() };
        this.hosts.set(host, h);
      }
      const task: Task = { host: h, fn, resolve: resolve as (value: unknown) => void, reject };
      if (h.holding < this.perHost) {
        h.holding++;
        this.admit(task);
      } else {
        h.waiting.push(task);
        this.waitingForHost++;
      }
    });
  }

  get activeCount(): number {
    return this.running;
  }

  /** Tasks waiting for a slot, of their host or a global one. */
  get pendingCount(): number {
    return this.waitingForHost + this.ready.size;
  }

  /** A task that holds its host slot: runs now, or waits in line for a global slot. */
  private admit(task: Task): void {
    if (this.running < this.concurrency) this.start(task);
    else this.ready.push(task);
  }

  private start(task: Task): void {
    this.running++;
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(task.fn());
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => {
        this.release(task.host);
        task.resolve(value);
      },
      (err: unknown) => {
        this.release(task.host);
        task.reject(err);
      },
    );
  }

  /** A task of `host` settled: its global slot goes to the longest waiter, then its host slot to the host's. */
  private release(host: Host): void {
    this.running--;
    const next = this.ready.take();
    if (next) this.start(next);
    const mine = host.waiting.take();
    if (mine) {
      this.waitingForHost--;
      this.admit(mine);
    } else if (--host.holding === 0) this.hosts.delete(host.name);
  }
}
