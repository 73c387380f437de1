// Domain values shared by every stage. Leaves only: no imports from stages.

/** Status-feed formats a station can be polled with. */
export const FEED_FORMATS = ['icecast-json', 'icecast-xml', 'shoutcast-v1', 'shoutcast-v2', 'xml', 'json'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export const STREAM_MODES = ['live', 'snapshot'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

// A station's configuration (Station, FeedConfig, StreamConfig) is the schema's: see stations/schema.ts.

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
