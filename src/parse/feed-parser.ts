// The contract every status-feed parser follows. Pure: bytes in, values out; no I/O, no clock, no logging.
import type { FeedConfig, NowPlaying } from '../types.ts';

/**
 * A feed is decoded once per fetch (one Icecast status page serves every mount on the server) and then
 * picked once per station that reads it.
 */
export interface FeedParser<Doc = unknown> {
  /**
   * Bytes of one response to a document. Throws ParseError on anything malformed or hostile. `charset`
   * is the station's override for servers that declare none (else UTF-8 when valid, else Windows-1252).
   */
  decode(body: Uint8Array, contentType?: string, charset?: string): Doc;
  /**
   * What this station plays now, from a decoded document: a NowPlaying, or null when the station
   * reports nothing playing (no source, STREAMSTATUS 0, empty title). Throws ParseError when the
   * station's mount / sid / path is not in the document.
   */
  pick(doc: Doc, feed: FeedConfig): NowPlaying | null;
}
