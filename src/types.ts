// Domain values shared by every stage. Leaves only: no imports from stages.

/** Status-feed formats a station can be polled with. */
export const FEED_FORMATS = ['icecast-json', 'icecast-xml', 'shoutcast-v1', 'shoutcast-v2', 'xml', 'json'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export interface FeedConfig {
  url: string;
  format: FeedFormat;
  /** Icecast mount ("/jazz"), matched against the path of `listenurl` / the `mount` attribute. */
  mount?: string;
  /** SHOUTcast v2 stream id, for `/statistics` documents (defaults to the `sid` query parameter, else 1). */
  sid?: number;
  /** Generic xml/json: dot path with [n] indexes to the title, e.g. "songs.song[0].title". */
  title?: string;
  /** Generic xml/json: dot path to the artist. */
  artist?: string;
}

export const STREAM_MODES = ['live', 'snapshot'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

export interface StreamConfig {
  url: string;
  mode: StreamMode;
}

export interface Station {
  id: string;
  name?: string;
  feed?: FeedConfig;
  stream?: StreamConfig;
  /** Poll interval override; falls back to the file's defaults. */
  intervalSeconds?: number;
  /** Charset override for bytes that declare none (ICY, 7.html), e.g. "windows-1252". */
  charset?: string;
}

/** What a station says it plays, after parsing, before normalisation. */
export interface NowPlaying {
  /** The text as the station sent it ("Artist - Title"), or artist and title joined. */
  raw: string;
  artist: string | null;
  title: string | null;
}

export type PlaySource = 'feed' | 'stream';

/** A recorded play as stored and exported. Times are epoch milliseconds. */
export interface Play {
  station: string;
  raw: string;
  artist: string | null;
  title: string | null;
  startedAt: number;
  endedAt: number | null;
  source: PlaySource;
}
