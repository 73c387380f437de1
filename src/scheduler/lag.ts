// Schedule lag (start time minus due time) kept in a fixed ring, so percentiles cost no growing memory.

export class LagRecorder {
  private readonly samples: Float64Array;
  private count = 0;

  constructor(capacity = 16_384) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.samples[this.count % this.samples.length] = ms;
    this.count++;
  }

  /** Total samples ever recorded. */
  get total(): number {
    return this.count;
  }

  /** The p-th percentile (0..100) of the most recent samples; 0 with none. */
  percentile(p: number): number {
    const n = Math.min(this.count, this.samples.length);
    if (n === 0) return 0;
    // A typed array sorts numerically in native code: no boxed copy, no comparator called from C++.
    const sorted = this.samples.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor((p / 100) * n))]!;
  }

  reset(): void {
    this.count = 0;
  }
}
