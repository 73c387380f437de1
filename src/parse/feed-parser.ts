// The contract every status-feed parser follows. Pure: bytes in, values out; no I/O, no clock, no logging.
import type { FeedConfig } from '../stations/schema.ts';
import type { NowPlaying } from '../types.ts';

/**
 * A feed is decoded once per fetch (one Icecast status page serves every mount on the server) and then
 * picked once per station that reads it.
 */
export interface FeedParser<Doc = unknown, Feed extends FeedConfig = FeedConfig> {
  /**
   * Bytes of one response to a document. Throws ParseError on anything malformed or hostile. `charset`
   * is the station's override for servers that declare none (else UTF-8 when valid, else Windows-1252).
   */
  decode(body: Uint8Array, contentType?: string, charset?: string): Doc;
  /**
   * The station's picker, built once when the station is loaded (its mount, sid or parsed paths bound in): what
   * the station plays now, from a decoded document — a NowPlaying, or null when it reports nothing playing (no
   * source, STREAMSTATUS 0, empty title). The picker throws ParseError when the station's mount / sid / path
   * is not in the document.
   */
  picker(feed: Feed): (doc: Doc) => NowPlaying | null;
}
