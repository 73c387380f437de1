// JSON text to a value, with every failure (syntax, a format's repair, absurd nesting) as a ParseError.
import { ParseError } from '../errors.ts';

/** Deeper documents are refused, as for XML; no status feed comes near it. */
export const MAX_JSON_DEPTH = 100;
/**
 * Below this size nesting cannot cost much, so the scan is skipped. Above it, a 400 KB body of nested
 * arrays would become 20 MB of heap, kept as long as the station's feed is cached (measured with the farm).
 */
const DEPTH_CHECK_FROM = 16 * 1024;

/** Deepest nesting of arrays and objects, strings skipped. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string, escapes included.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * Parses JSON. When it does not parse and `repair` is given, parses `repair(text)` instead: repairs run only
 * on the broken documents they exist for, never on valid ones.
 */
export function parseJson(text: string, repair?: (text: string) => string): unknown {
  if (text.length > DEPTH_CHECK_FROM && nestingDepth(text) > MAX_JSON_DEPTH) throw new ParseError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels refused`);
  try {
    return JSON.parse(text);
  } catch (err) {
    if (repair) {
      try {
        return JSON.parse(repair(text));
      } catch {
        // Report the original error: it points at what the server wrote.
      }
    }
    throw new ParseError(`invalid JSON: ${(err as Error).message}`, { cause: err });
  }
}
