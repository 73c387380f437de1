// Each station compiled once, when the station list is loaded, into what polling it takes: its place on the
// schedule (interval, host, phase), its feed bound to its parser (mount, sid or parsed paths inside), and the
// User-Agent its format needs. Polls then read the plan: no URL parsing, no format branching, no path parsing.
import { SHOUTCAST_V1_USER_AGENT } from '../parse/shoutcast-v1.ts';
import { feedReader, type FeedReader } from '../parse/index.ts';
import type { ScheduledTask } from '../scheduler/scheduler.ts';
import type { Station, StreamConfig } from '../stations/schema.ts';

/** A feed bound to its parser: `decode` is the format's, `pick` the station's (shared where stations agree). */
export interface FeedPlan extends FeedReader {
  url: string;
  /** undefined: the client's own. */
  userAgent: string | undefined;
}

interface PlanBase {
  station: Station;
  /** Its place on the schedule (a live-mode stream station, see isLive, holds a connection instead). */
  task: ScheduledTask;
}

/** A feed and perhaps a stream to stand in for it, or a stream alone: never neither. */
export type StationPlan = PlanBase & ({ feed: FeedPlan; stream: StreamConfig | undefined } | { feed: undefined; stream: StreamConfig });

/** A station that holds a live connection: a stream in live mode and no feed. */
export type LiveStation = Station & { stream: StreamConfig };

export function isLive(s: Station): s is LiveStation {
  return !s.feed && s.stream.mode === 'live';
}

/** Compiles a validated station; intervalMs is its interval, with the file's and the command line's defaults applied. */
export function planStation(station: Station, intervalMs: number): StationPlan {
  if (!station.feed) {
    const task = { id: station.id, intervalMs, host: new URL(station.stream.url).host, phaseKey: station.id };
    return { station, task, feed: undefined, stream: station.stream };
  }
  const { url, format } = station.feed;
  // Stations that share a feed URL share its phase, so one fetch serves them all each round.
  const task = { id: station.id, intervalMs, host: new URL(url).host, phaseKey: url };
  const { decode, pick } = feedReader(station.feed);
  const feed = { url, decode, pick, userAgent: format === 'shoutcast-v1' ? SHOUTCAST_V1_USER_AGENT : undefined };
  return { station, task, feed, stream: station.stream };
}
