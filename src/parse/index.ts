// The parse stage's entry: one parser per feed format, and normalisation of what they return.
import type { FeedConfig, FeedFormat, NowPlaying } from '../types.ts';
import type { FeedParser } from './feed-parser.ts';
import { genericJson } from './generic-json.ts';
import { genericXml } from './generic-xml.ts';
import { icecastJson } from './icecast-json.ts';
import { icecastXml } from './icecast-xml.ts';
import { shoutcastV1 } from './shoutcast-v1.ts';
import { shoutcastV2 } from './shoutcast-v2.ts';

export type { FeedParser } from './feed-parser.ts';
export { DEFAULT_JUNK, normalizeNowPlaying, playKey, type NormalizeOptions } from './normalize.ts';
export { SHOUTCAST_V1_USER_AGENT } from './shoutcast-v1.ts';
export { parsePath } from './path.ts';

export const feedParsers: Record<FeedFormat, FeedParser> = {
  'icecast-json': icecastJson,
  'icecast-xml': icecastXml,
  'shoutcast-v1': shoutcastV1,
  'shoutcast-v2': shoutcastV2,
  xml: genericXml,
  json: genericJson,
};

/**
 * Decodes one response and picks one station's now-playing from it. Where several stations share a
 * document (an Icecast server's status page), decode once with `feedParsers[format]` and pick per station.
 */
export function parseFeed(format: FeedFormat, body: Uint8Array, feed: FeedConfig, contentType?: string): NowPlaying | null {
  const parser = feedParsers[format];
  return parser.pick(parser.decode(body, contentType), feed);
}
