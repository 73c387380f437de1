// Shared pieces of the fuzz suite: how many cases, the rule every parser keeps on hostile input (a value
// or an OnairError, nothing else, in bounded time), and mutations of real documents.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { OnairError } from '../../src/errors.ts';
import { sized } from '../faults/mode.ts';

/** Cases per property: modest in quick mode, larger with ONAIR_FULL=1. */
export const RUNS = sized(1000, 20_000);
/**
 * One call on a few KB of input taking this long means a blow-up (or a hang on bigger input). A call takes
 * about a millisecond; a blow-up (backtracking, entity expansion) takes minutes or forever, so the bound is
 * far past what a busy machine's pauses (a full GC, a descheduled worker) add to a healthy call.
 */
export const SLOW_MS = 10_000;

/** Cases run so far, for the closing figures. */
export const tally = { cases: 0 };

export function params(extra: fc.Parameters<unknown> = {}): fc.Parameters<unknown> {
  tally.cases += extra.numRuns ?? RUNS;
  return { numRuns: RUNS, ...extra };
}

/**
 * Runs fn and says how it ended: 'value' or 'typed' (an OnairError: ParseError, ResponseError, ConfigError…).
 * Anything else thrown is rethrown so the property fails with it; a slow call fails too.
 */
export function outcome<T>(fn: () => T): { kind: 'value'; value: T } | { kind: 'typed'; error: OnairError } {
  const started = performance.now();
  try {
    const value = fn();
    return { kind: 'value', value };
  } catch (err) {
    if (err instanceof OnairError) return { kind: 'typed', error: err };
    throw err;
  } finally {
    const ms = performance.now() - started;
    if (ms > SLOW_MS) throw new Error(`a single call took ${ms.toFixed(0)} ms`);
  }
}

const root = new URL('../fixtures/feeds/', import.meta.url);

/** Every fixture document, by the folder (format) it sits in. */
export function fixtures(): Map<string, Uint8Array[]> {
  const out = new Map<string, Uint8Array[]>();
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const files = readdirSync(new URL(`${dir.name}/`, root)).map((f) => new Uint8Array(readFileSync(new URL(`${dir.name}/${f}`, root))));
    out.set(dir.name, files);
  }
  return out;
}

/** Tokens that matter to the formats: a mutation that inserts them reaches deeper than random bytes. */
const TOKENS = [
  '<', '>', '</', '/>', '"', "'", '{', '}', '[', ']', ':', ',', '&', '&amp;', '&#', '&#x', '&#0;', '&#1114112;', ';', '=',
  '<![CDATA[', ']]>', '<!DOCTYPE x [<!ENTITY a "b">]>', '<?xml version="1.0"?>', '<!--', '-->', '__proto__', 'constructor',
  '\u0000', '\r\n', '\\u0000', '\\ud800', 'null', 'true', '-', '1e309', '"title": -', '}}', '<source mount="/m1">', '</source>',
  '<title>', '</title>', 'StreamTitle=\'', "';", '\xff\xfe', '\xc3', '\xe2\x80', 'Ã©', '%', '\u202e',
].map((t) => Buffer.from(t, 'latin1'));

/** A real document with edits: bytes set, inserted, deleted, tokens spliced in, a slice repeated, a cut. */
export function mutated(bodies: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.tuple(fc.constant('set' as const), fc.nat(), fc.integer({ min: 0, max: 255 })),
    fc.tuple(fc.constant('insert' as const), fc.nat(), fc.integer({ min: 0, max: 255 })),
    fc.tuple(fc.constant('delete' as const), fc.nat(), fc.integer({ min: 1, max: 64 })),
    fc.tuple(fc.constant('token' as const), fc.nat(), fc.nat({ max: TOKENS.length - 1 })),
    fc.tuple(fc.constant('repeat' as const), fc.nat(), fc.integer({ min: 1, max: 200 })),
  );
  return fc.tuple(fc.constantFrom(...bodies), fc.array(edit, { minLength: 1, maxLength: 10 }), fc.option(fc.nat(), { nil: undefined })).map(([body, edits, cut]) => {
    let bytes = Buffer.from(body);
    for (const [op, at, n] of edits) {
      const i = bytes.length ? at % (bytes.length + 1) : 0;
      if (op === 'set' && bytes.length) bytes[i % bytes.length] = n;
      else if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.of(n), bytes.subarray(i)]);
      else if (op === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + n)]);
      else if (op === 'token') bytes = Buffer.concat([bytes.subarray(0, i), TOKENS[n]!, bytes.subarray(i)]);
      else if (op === 'repeat') {
        const slice = bytes.subarray(i, i + 16);
        bytes = Buffer.concat([bytes.subarray(0, i), ...Array<Buffer>(Math.min(n, 4096 / Math.max(1, slice.length))).fill(slice), bytes.subarray(i)]);
      }
    }
    return cut === undefined ? new Uint8Array(bytes) : new Uint8Array(bytes.subarray(0, cut % (bytes.length + 1)));
  });
}

/** Random bytes, random text, or a mutated real document. */
export function hostile(bodies: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 512 }).map((s) => new Uint8Array(Buffer.from(s))) },
    { weight: 4, arbitrary: mutated(bodies) },
  );
}
