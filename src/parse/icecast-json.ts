// Icecast 2.4 `/status-json.xsl`: every mount of a server in one document, repaired where Icecast writes
// invalid JSON. MP3 mounts carry "Artist - Title" in `title`; Ogg mounts send `artist` and `title` apart.
import { decodeBytes } from '../codec/text.ts';
import { ParseError } from '../errors.ts';
import type { IcecastFeed } from '../stations/schema.ts';
import type { FeedParser } from './feed-parser.ts';
import { asList, child, isRecord, nowPlaying, textOf, type Doc } from './document.ts';
import { pickSource, listenUrlPath } from './icecast-mount.ts';
import { parseJson } from './json.ts';

export interface IcecastJsonDoc {
  sources: Doc[];
}

const jsonNumber = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
// Sticky: each matches at lastIndex only, so the scan stays linear on a 1,000-mount page.
const stringToken = /"(?:[^"\\]|\\.)*"?/sy;
const numberToken = /[-+.\deE]+/y;
const spaces = /\s*/y;

function tokenAt(re: RegExp, text: string, at: number): string {
  re.lastIndex = at;
  return re.exec(text)![0];
}

/**
 * Repairs what Icecast's xml2json.xslt writes wrong. It prints any value XPath takes for a number unquoted:
 * a lone dash becomes `"title": -` (xiph/Icecast-Server #34, #43, #74) — such tokens are quoted here. It
 * drops an object's `{` when the object's first child is a hidden stat, seen at startup as
 * `{"icestats":"server_start":…}}` (#38) — a string followed by `:` in value position gets its `{` back.
 */
export function repairIcecastJson(text: string): string {
  let out = '';
  let inValue = false; // just after a ':' — the next token is a value
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '"') {
      const str = tokenAt(stringToken, text, i);
      i += str.length;
      const keyFollows = text[i + tokenAt(spaces, text, i).length] === ':';
      out += inValue && keyFollows ? `{${str}` : str;
      inValue = false;
    } else if (inValue && /[-.\d]/.test(c)) {
      const token = tokenAt(numberToken, text, i);
      out += jsonNumber.test(token) ? token : JSON.stringify(token);
      inValue = false;
      i += token.length;
    } else {
      if (c === ':') inValue = true;
      else if (!/\s/.test(c)) inValue = false;
      out += c;
      i++;
    }
  }
  return out;
}

export const icecastJson: FeedParser<IcecastJsonDoc, IcecastFeed> = {
  decode(body, _type, charset) {
    const icestats = child(parseJson(decodeBytes(body, charset), repairIcecastJson), 'icestats');
    if (!isRecord(icestats)) throw new ParseError('not an Icecast status-json document (no "icestats" object)');
    // `source` is absent with no mounts, an object with one, an array with several.
    return { sources: asList(child(icestats, 'source')).filter(isRecord) };
  },
  picker: ({ mount }) => (doc) => {
    const source = pickSource(doc.sources, (s) => [listenUrlPath(textOf(child(s, 'listenurl'))), textOf(child(s, 'mount'))], mount);
    // `"title": null` (empty MP3 title) and an untagged Ogg track (no keys at all) are both nothing playing.
    return source && nowPlaying(textOf(child(source, 'title')), textOf(child(source, 'artist')));
  },
};
