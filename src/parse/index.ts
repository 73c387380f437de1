// The parse stage's entry: one parser per feed format, bound to a station's feed once (feedReader), and
// normalisation of what they return.
import type { FeedConfig } from '../stations/schema.ts';
import type { NowPlaying } from '../types.ts';
import type { FeedParser } from './feed-parser.ts';
import { genericJson } from './generic-json.ts';
import { genericXml } from './generic-xml.ts';
import { icecastJson } from './icecast-json.ts';
import { icecastXml } from './icecast-xml.ts';
import { shoutcastV1 } from './shoutcast-v1.ts';
import { shoutcastV2 } from './shoutcast-v2.ts';

export type { FeedParser } from './feed-parser.ts';
export { DEFAULT_JUNK, normalizeNowPlaying, playKey, type NormalizeOptions } from './normalize.ts';

/** The parser of each format. */
export const feedParsers = {
  'icecast-json': icecastJson,
  'icecast-xml': icecastXml,
  'shoutcast-v1': shoutcastV1,
  'shoutcast-v2': shoutcastV2,
  xml: genericXml,
  json: genericJson,
} as const;

/** A station's feed bound to its parser: `decode` is shared by every station of the format, `pick` is its own. */
export interface FeedReader {
  decode(body: Uint8Array, contentType?: string, charset?: string): unknown;
  pick(doc: unknown): NowPlaying | null;
}

function bind<Doc, Feed extends FeedConfig>(parser: FeedParser<Doc, Feed>, feed: Feed): FeedReader {
  // The document handed to pick is always one this parser's decode made (the feed cache keys by decoder), so
  // the picker serves as it is: no wrapper closure per station (20,000 of them showed in the heap).
  return { decode: parser.decode, pick: parser.picker(feed) as unknown as FeedReader['pick'] };
}

/** The reader of one station's feed, built once at load: no format branching and no path parsing per poll. */
export function feedReader(feed: FeedConfig): FeedReader {
  switch (feed.format) {
    case 'icecast-json':
      return bind(icecastJson, feed);
    case 'icecast-xml':
      return bind(icecastXml, feed);
    case 'shoutcast-v1':
      return bind(shoutcastV1, feed);
    case 'shoutcast-v2':
      return bind(shoutcastV2, feed);
    case 'xml':
      return bind(genericXml, feed);
    case 'json':
      return bind(genericJson, feed);
  }
}

/** Decodes one response and picks the station's now-playing from it (one station, one document). */
export function parseFeed(body: Uint8Array, feed: FeedConfig, contentType?: string): NowPlaying | null {
  const reader = feedReader(feed);
  return reader.pick(reader.decode(body, contentType));
}
