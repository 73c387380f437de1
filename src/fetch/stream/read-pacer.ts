// Reads each held-open stream at most once per period. A server sends a 128 kbit/s stream in a few writes a
// second (and the internet cuts those into 1.4 kB segments), each a wake-up, a read and a pass through the
// demultiplexer; left in the kernel's buffer for a period instead, they come out in one read. A title then
// waits at most one period longer, far under a song. One timer serves every stream: a stream that was
// just read rests, and the timer resumes those whose rest is over in batches, a tenth of a period apart.

export class ReadPacer {
  // Rests all last one period, so they end in the order they began: a FIFO, in two arrays (no object per rest).
  private resumes: (() => void)[] = [];
  private dueAt: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly granuleMs: number;

  constructor(readonly periodMs: number) {
    this.granuleMs = Math.max(1, Math.round(periodMs / 10));
  }

  /** Streams resting now (for stats and tests). */
  get resting(): number {
    return this.resumes.length - this.head;
  }

  /** The caller has paused its socket; `resume` is called once the period is over. */
  rest(resume: () => void): void {
    this.resumes.push(resume);
    this.dueAt.push(performance.now() + this.periodMs);
    if (!this.timer) this.arm(this.periodMs);
  }

  /** Resumes everything at once (shutdown, or a test that wants its bytes now). */
  flush(): void {
    this.wake(Infinity);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.wake(performance.now()), Math.max(ms, this.granuleMs));
    this.timer.unref();
  }

  private wake(now: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const { resumes, dueAt } = this;
    // A resume may start a read that rests again at once; it lands behind `end` and waits a period.
    const end = resumes.length;
    while (this.head < end && dueAt[this.head]! <= now) {
      const resume = resumes[this.head]!;
      this.head++;
      resume();
    }
    if (this.head > 1024 && this.head * 2 > resumes.length) {
      this.resumes = resumes.slice(this.head);
      this.dueAt = dueAt.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.resumes.length) this.arm(this.dueAt[this.head]! - performance.now());
  }
}
