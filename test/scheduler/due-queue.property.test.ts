// DueQueue against a model: a plain Map of key to due time. Few keys and few due times, so keys are pushed
// again, popped and removed over each other's stale heap entries, and due times tie.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { DueQueue } from '../../src/scheduler/due-queue.ts';

const KEYS = ['a', 'b', 'c', 'd'];

type Op =
  | { op: 'push'; key: string; dueAt: number }
  | { op: 'remove'; key: string }
  | { op: 'pop'; now: number }
  | { op: 'peek' };

const key = fc.constantFrom(...KEYS);
const time = fc.integer({ min: 0, max: 20 });
function opMix(pushWeight: number): fc.Arbitrary<Op> {
  return fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('push' as const), key, dueAt: time }), weight: pushWeight },
    { arbitrary: fc.record({ op: fc.constant('remove' as const), key }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('pop' as const), now: time }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('peek' as const) }), weight: 1 },
  );
}
// Mostly short sequences; some long and push-heavy, so stale entries pile up past the compaction threshold.
const ops = fc.oneof(
  { arbitrary: fc.array(opMix(4), { maxLength: 12 }), weight: 4 },
  { arbitrary: fc.array(opMix(40), { maxLength: 300, size: 'max' }), weight: 1 },
);

function earliest(model: Map<string, number>): number | undefined {
  let min: number | undefined;
  for (const dueAt of model.values()) if (min === undefined || dueAt < min) min = dueAt;
  return min;
}

describe('DueQueue', () => {
  // node:assert inside the property rather than expect: a run checks thousands of steps, and expect's
  // overhead made this test ten times slower.
  it('behaves like a map of key to due time under any sequence of push, remove, pop and peek', () => {
    fc.assert(
      fc.property(ops, (sequence) => {
        const queue = new DueQueue();
        const model = new Map<string, number>();
        for (const [step, o] of sequence.entries()) {
          const at = `step ${step} ${JSON.stringify(o)}`;
          if (o.op === 'push') {
            queue.push(o.key, o.dueAt);
            model.set(o.key, o.dueAt);
          } else if (o.op === 'remove') {
            queue.remove(o.key);
            model.delete(o.key);
          } else if (o.op === 'peek') {
            assert.equal(queue.peekDue(), earliest(model), at);
          } else {
            const min = earliest(model);
            const got = queue.popDue(o.now);
            if (min === undefined || min > o.now) {
              assert.equal(got, undefined, at);
            } else {
              // Keys that tie may pop in any order: any key whose due time is the earliest is right.
              assert.ok(got, at);
              assert.equal(got.dueAt, min, at);
              assert.equal(model.get(got.key), min, `${at}: popped ${got.key}@${got.dueAt}, model has ${JSON.stringify([...model])}`);
              model.delete(got.key);
            }
          }
          assert.equal(queue.size, model.size, at);
          for (const k of KEYS) assert.equal(queue.has(k), model.has(k), `${at}: has(${k})`);
        }
        // Draining pops every key still queued, once each, in due order.
        let last = -Infinity;
        for (let e = queue.popDue(Infinity); e; e = queue.popDue(Infinity)) {
          assert.equal(model.get(e.key), e.dueAt, `drain: ${e.key}@${e.dueAt}`);
          assert.ok(e.dueAt >= last, 'drain order');
          last = e.dueAt;
          model.delete(e.key);
        }
        assert.equal(model.size, 0, 'drain left keys behind');
      }),
      { numRuns: 3000 },
    );
  });
});
