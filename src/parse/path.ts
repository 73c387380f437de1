// Paths into a station's own JSON or XML document (the generic `xml` and `json` formats).
//
// Syntax: steps separated by dots; each step is a key followed by any number of selectors.
//   songs.song[0].title                           key, then [n]: the n-th element (0-based)
//   nowplaying-info.property[name=cue_title]      [attr=value]: the first element whose attribute or
//   nowplaying-info.property[@name="cue_title"]   field `attr` equals value (quotes and @ optional)
//   [0].now_playing.song.text                     an empty key selects from the current node
// Keys cannot contain `.`, `[` or `]`. XML gives one element as a value and several as an array, so paths
// forgive the difference: [0] of a single element is that element, a key applied to an array reads its first
// element, [attr=value] on a single element tests that element, and a final array gives its first element's text.
// A malformed path is a ConfigError (the station's entry is wrong), a path the document lacks a ParseError.
import { ConfigError, ParseError } from '../errors.ts';
import type { FeedConfig, NowPlaying } from '../types.ts';
import { child, nowPlaying, textOf } from './document.ts';

type Selector = { index: number } | { attr: string; value: string };
interface Step {
  key: string;
  selectors: Selector[];
}

const stepPattern = /^([^.[\]]*)((?:\[[^\]]*\])*)$/;
const selectorPattern = /\[([^\]]*)\]/g;
const attrSelector = /^@?([^=]+)=\s*(?:"([^"]*)"|'([^']*)'|(.*))$/;

/** Parses a path; a ConfigError names what is wrong with it (the path comes from stations.json). */
export function parsePath(path: string): Step[] {
  // Split on dots outside brackets: a selector value may contain dots (`[name=a.b]`).
  const parts = path.match(/(?:[^.[]|\[[^\]]*\])+/g) ?? [];
  if (path === '' || parts.join('.') !== path) throw new ConfigError(`invalid path "${path}"`);
  return parts.map((part) => {
    const m = stepPattern.exec(part);
    if (!m) throw new ConfigError(`invalid path "${path}" at "${part}"`);
    const selectors = [...m[2]!.matchAll(selectorPattern)].map((s): Selector => {
      const inner = s[1]!.trim();
      if (/^\d+$/.test(inner)) return { index: Number(inner) };
      const a = attrSelector.exec(inner);
      if (!a) throw new ConfigError(`invalid selector "[${inner}]" in path "${path}"`);
      return { attr: a[1]!.trim(), value: (a[2] ?? a[3] ?? a[4]!).trim() };
    });
    return { key: m[1]!, selectors };
  });
}

function matches(node: unknown, attr: string, value: string): boolean {
  return textOf(child(node, `@_${attr}`)) === value || textOf(child(node, attr)) === value;
}

function select(node: unknown, s: Selector): unknown {
  if ('index' in s) return Array.isArray(node) ? node[s.index] : s.index === 0 ? node : undefined;
  if (Array.isArray(node)) return node.find((el) => matches(el, s.attr, s.value));
  return matches(node, s.attr, s.value) ? node : undefined;
}

/** The node at `path`, or undefined when the document has no such node. */
export function resolvePath(doc: unknown, path: string): unknown {
  let node = doc;
  for (const step of parsePath(path)) {
    if (step.key !== '') node = child(Array.isArray(node) ? node[0] : node, step.key);
    for (const s of step.selectors) node = select(node, s);
    if (node === undefined) return undefined;
  }
  return node;
}

const leafText = (node: unknown): string | null => textOf(Array.isArray(node) ? node[0] : node);

/**
 * Title and artist by the station's paths. The title path is required and must exist in the document
 * (else ParseError: the document is not what the station's config expects); a missing artist is null.
 */
export function pickByPaths(doc: unknown, feed: FeedConfig): NowPlaying | null {
  if (!feed.title) throw new ParseError(`a ${feed.format} feed needs a title path`);
  const title = resolvePath(doc, feed.title);
  if (title === undefined) throw new ParseError(`title path "${feed.title}" is not in the document`);
  const artist = feed.artist ? leafText(resolvePath(doc, feed.artist)) : null;
  return nowPlaying(leafText(title), artist);
}
