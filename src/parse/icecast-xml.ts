// Icecast `/admin/stats` (XML, basic auth): `icestats/source[@mount]/title` and, for Ogg, `artist`.
// The XML parser decodes the character references (`&#xE9;`) Icecast writes for non-ASCII.
import { decodeBytes } from '../codec/text.ts';
import { ParseError } from '../errors.ts';
import type { IcecastFeed } from '../stations/schema.ts';
import type { FeedParser } from './feed-parser.ts';
import { asList, child, isRecord, nowPlaying, textOf, type Doc } from './document.ts';
import { listenUrlPath, pickSource } from './icecast-mount.ts';
import { xmlReader } from './xml.ts';

export interface IcecastXmlDoc {
  sources: Doc[];
}

const readXml = xmlReader();

export const icecastXml: FeedParser<IcecastXmlDoc, IcecastFeed> = {
  decode(body, _type, charset) {
    const icestats = child(readXml(decodeBytes(body, charset)), 'icestats');
    // <icestats/> with nothing in it parses as "": no mounts rather than not Icecast.
    if (!isRecord(icestats) && icestats !== '') throw new ParseError('not an Icecast /admin/stats document (no <icestats>)');
    return { sources: asList(child(icestats, 'source')).filter(isRecord) };
  },
  picker: ({ mount }) => (doc) => {
    const source = pickSource(doc.sources, (s) => [textOf(child(s, '@_mount')), listenUrlPath(textOf(child(s, 'listenurl')))], mount);
    return source && nowPlaying(textOf(child(source, 'title')), textOf(child(source, 'artist')));
  },
};
