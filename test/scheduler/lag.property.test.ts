// LagRecorder against a model: the list of samples since the last reset. Capacities of 1 to 8, so the ring
// wraps many times in one run.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { LagRecorder } from '../../src/scheduler/lag.ts';

type Op = { op: 'record'; ms: number } | { op: 'percentile'; p: number } | { op: 'reset' };

// Few distinct whole values (ties, as real lags of 0 ms are), and fractions.
const ms = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 60_000, noNaN: true, noDefaultInfinity: true }));
const p = fc.oneof(fc.constantFrom(0, 50, 90, 99, 100), fc.double({ min: 0, max: 100, noNaN: true }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('record' as const), ms }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant('percentile' as const), p }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('reset' as const) }), weight: 1 },
);

/** The p-th percentile of the last `capacity` samples: index min(n-1, floor(p/100*n)) of them sorted. */
function modelPercentile(samples: number[], capacity: number, p: number): number {
  const window = samples.slice(-capacity).sort((a, b) => a - b);
  const n = window.length;
  return n === 0 ? 0 : window[Math.min(n - 1, Math.floor((p / 100) * n))]!;
}

describe('LagRecorder', () => {
  it('gives the percentile of the last capacity samples, counts the samples since the last reset, and empties on reset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 60, size: 'medium' }), (capacity, ops) => {
        const lag = new LagRecorder(capacity);
        let samples: number[] = [];
        for (const [step, o] of ops.entries()) {
          const at = `step ${step} ${JSON.stringify(o)}`;
          if (o.op === 'record') {
            lag.record(o.ms);
            samples.push(o.ms);
          } else if (o.op === 'reset') {
            lag.reset();
            samples = [];
          } else {
            assert.equal(lag.percentile(o.p), modelPercentile(samples, capacity, o.p), at);
          }
          assert.equal(lag.total, samples.length, at);
          // The ends of the window, after every step.
          assert.equal(lag.percentile(0), modelPercentile(samples, capacity, 0), `${at}: percentile(0)`);
          assert.equal(lag.percentile(100), modelPercentile(samples, capacity, 100), `${at}: percentile(100)`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
