// Walks a station's own JSON or XML document (the generic `xml` and `json` formats) by its title and artist
// paths, parsed once when the stations file was read (syntax in stations/path-syntax.ts). XML gives one
// element as a value and several as an array, so paths forgive the difference: [0] of a single element is
// that element, a key applied to an array reads its first element, [attr=value] on a single element tests
// that element, and a final array gives its first element's text. A path the document lacks is a ParseError.
import { ParseError } from '../errors.ts';
import type { DocumentFeed } from '../stations/schema.ts';
import { parsePath, type PathStep, type Selector } from '../stations/path-syntax.ts';
import type { NowPlaying } from '../types.ts';
import { child, nowPlaying, textOf } from './document.ts';

function matches(node: unknown, attr: string, value: string): boolean {
  return textOf(child(node, `@_${attr}`)) === value || textOf(child(node, attr)) === value;
}

function select(node: unknown, s: Selector): unknown {
  if ('index' in s) return Array.isArray(node) ? node[s.index] : s.index === 0 ? node : undefined;
  if (Array.isArray(node)) return node.find((el) => matches(el, s.attr, s.value));
  return matches(node, s.attr, s.value) ? node : undefined;
}

/** The node the steps lead to, or undefined when the document has no such node. */
export function resolvePath(doc: unknown, steps: readonly PathStep[]): unknown {
  let node = doc;
  for (const step of steps) {
    if (step.key !== '') node = child(Array.isArray(node) ? node[0] : node, step.key);
    for (const s of step.selectors) node = select(node, s);
    if (node === undefined) return undefined;
  }
  return node;
}

const leafText = (node: unknown): string | null => textOf(Array.isArray(node) ? node[0] : node);

/**
 * The picker of a station's title and artist paths, parsed here once. The title must exist in the document
 * (else ParseError: the document is not what the station's config expects); a missing artist is null.
 */
export function pickerByPaths(feed: DocumentFeed): (doc: unknown) => NowPlaying | null {
  // Stations with the same paths (a provider's feeds usually share them) share one parsed picker.
  const key = `${feed.title}\n${feed.artist ?? ''}`;
  let pick = pickers.get(key);
  if (!pick) {
    const titlePath = feed.title;
    const title = parsePath(titlePath);
    const artist = feed.artist === undefined ? undefined : parsePath(feed.artist);
    pick = (doc) => {
      const node = resolvePath(doc, title);
      if (node === undefined) throw new ParseError(`title path "${titlePath}" is not in the document`);
      return nowPlaying(leafText(node), artist ? leafText(resolvePath(doc, artist)) : null);
    };
    pickers.set(key, pick);
  }
  return pick;
}

const pickers = new Map<string, (doc: unknown) => NowPlaying | null>();
