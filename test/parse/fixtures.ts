// Fixture bytes for the parser tests, and the property every parser must hold on hostile bytes.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';
import { ParseError } from '../../src/errors.ts';
import type { FeedParser } from '../../src/parse/feed-parser.ts';
import type { FeedConfig } from '../../src/stations/schema.ts';

const root = new URL('../fixtures/feeds/', import.meta.url);

/** The bytes of `test/fixtures/feeds/<name>`, exactly as on disk. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, root)));
}

/** Decodes and picks; returns the result, or the thrown value itself so tables can compare errors. */
// Any parser with any of its feeds: the tables mix formats, and a wrong pairing only fails the test.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyParser = FeedParser<any, any>;

export function run(parser: AnyParser, body: Uint8Array, feed: FeedConfig, contentType?: string): unknown {
  try {
    return parser.picker(feed)(parser.decode(body, contentType));
  } catch (err) {
    return err;
  }
}

// A fixture cut, with bytes overwritten, inserted or deleted: near-valid documents reach deeper code than noise.
const mutated = (bodies: Uint8Array[]) =>
  fc
    .tuple(
      fc.constantFrom(...bodies),
      fc.array(fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat(),
    )
    .map(([body, edits, cut]) => {
      const bytes = [...body];
      for (const [op, at, byte] of edits) {
        const i = bytes.length ? at % bytes.length : 0;
        if (op === 'set') bytes[i] = byte;
        else if (op === 'insert') bytes.splice(i, 0, byte);
        else bytes.splice(i, 1);
      }
      return Uint8Array.from(bytes.slice(0, bytes.length ? (cut % (bytes.length + 1)) || bytes.length : 0));
    });

/** Property: random or mutated bodies give a value (NowPlaying or null) or a ParseError — never another throw. */
export function assertOnlyParseErrors(parser: AnyParser, feeds: FeedConfig[], bodies: Uint8Array[]): void {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 1024 }), mutated(bodies)), fc.constantFrom(...feeds), (body, feed) => {
      const result = run(parser, body, feed);
      if (result instanceof Error) expect(result).toBeInstanceOf(ParseError);
      else if (result !== null) expect(result).toMatchObject({ raw: expect.any(String) });
    }),
    { numRuns: 500 },
  );
}
