// JSON text to a value, with every failure (syntax, a format's repair, absurd nesting) as a ParseError.
import { ParseError } from '../errors.ts';

/**
 * Parses JSON. When it does not parse and `repair` is given, parses `repair(text)` instead: repairs run only
 * on the broken documents they exist for, never on valid ones.
 */
export function parseJson(text: string, repair?: (text: string) => string): unknown {
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
