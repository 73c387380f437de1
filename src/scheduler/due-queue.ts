// A min-heap of (dueAt, key): the one timer structure behind the scheduler. O(log n) push/pop; a key
// re-pushed or removed leaves its old entry behind, skipped on pop (lazy deletion keeps the heap simple).

interface Entry {
  dueAt: number;
  key: string;
}

export class DueQueue {
  private heap: Entry[] = [];
  // Each key's live entry, compared by identity, so an entry once replaced, popped or removed stays dead. (A
  // per-key version count restarted at 1 after a pop or remove and revived the key's old entries.)
  private live = new Map<string, Entry>();

  /** Number of keys queued. */
  get size(): number {
    return this.live.size;
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  /** Queues key at dueAt, replacing any earlier due time for the same key. */
  push(key: string, dueAt: number): void {
    const entry = { dueAt, key };
    this.live.set(key, entry);
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    // Stale entries are dropped on pop; rebuild when they outnumber live ones so memory stays bounded.
    if (this.heap.length > 2 * this.live.size + 64) this.compact();
  }

  remove(key: string): void {
    this.live.delete(key);
  }

  /** Due time of the earliest live entry, or undefined. */
  peekDue(): number | undefined {
    this.dropStale();
    return this.heap[0]?.dueAt;
  }

  /** Removes and returns the earliest entry if it is due at or before `now`. */
  popDue(now: number): Readonly<Entry> | undefined {
    this.dropStale();
    const top = this.heap[0];
    if (!top || top.dueAt > now) return undefined;
    this.popTop();
    this.live.delete(top.key);
    // The entry itself: once popped it is dead here (no longer live), so handing it out costs no copy.
    return top;
  }

  private isLive(e: Entry): boolean {
    return this.live.get(e.key) === e;
  }

  private dropStale(): void {
    while (this.heap.length > 0 && !this.isLive(this.heap[0]!)) this.popTop();
  }

  private popTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  private compact(): void {
    this.heap = this.heap.filter((e) => this.isLive(e));
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.dueAt < b.dueAt;
  }

  // Swaps through a local, not `[a, b] = [b, a]`: V8 built that array at every step, a quarter of the
  // scheduler's garbage per poll (allocation profile at 20,000 feeds).
  private swap(i: number, j: number): void {
    const h = this.heap;
    const t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
