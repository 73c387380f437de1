// The peer for status feeds: what a user writes without onair. Every station gets its own setInterval
// (started at a random point of the interval, so the first round is not one burst) that fetches its page
// with the global fetch, parses it whole (fast-xml-parser or JSON.parse), picks the title and keeps it
// when it changed. No shared fetch of multi-mount pages, no conditional requests, no timeouts, no caps.
// Changes go to an NDJSON file for scoring; a `stats` line goes to stdout every few seconds.
import { createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { LagRecorder } from '../../../src/scheduler/lag.ts';
import { rssMb } from './rss.ts';

interface Feed {
  url: string;
  format: string;
  mount?: string;
  sid?: number;
  title?: string;
  artist?: string;
}

const { values } = parseArgs({ options: { stations: { type: 'string' }, out: { type: 'string' }, 'stats-every': { type: 'string', default: '5' } } });
const file = JSON.parse(readFileSync(values.stations!, 'utf8')) as { defaults: { intervalSeconds: number }; stations: { id: string; feed?: Feed }[] };
const intervalMs = file.defaults.intervalSeconds * 1000;
const out = createWriteStream(values.out!);
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, htmlEntities: true });
const counters = { polls: 0, reads: 0, changes: 0, errors: 0, bytes: 0 };
const lag = new LagRecorder();
const last = new Map<string, string>();

/** `a.b[0].c` */
function get(doc: unknown, path: string): unknown {
  let v = doc;
  for (const part of path.split('.')) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m) return undefined;
    v = (v as Record<string, unknown> | undefined)?.[m[1]!];
    if (m[2] !== undefined) v = (Array.isArray(v) ? v : [v])[Number(m[2])];
  }
  return v;
}
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v : v ? [v] : []) as Record<string, unknown>[];
const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)).trim();

function titleOf(feed: Feed, body: string): string {
  switch (feed.format) {
    case 'icecast-json': {
      const sources = list((JSON.parse(body) as { icestats: { source?: unknown } }).icestats.source);
      return text(sources.find((s) => new URL(String(s.listenurl)).pathname === feed.mount)?.title);
    }
    case 'icecast-xml':
      return text(list(get(xml.parse(body), 'icestats.source')).find((s) => s['@_mount'] === feed.mount)?.title);
    case 'shoutcast-v1': {
      const csv = /<body>(.*)<\/body>/is.exec(body)?.[1] ?? '';
      return csv.split(',').slice(6).join(',').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&').trim();
    }
    case 'shoutcast-v2': {
      const doc = xml.parse(body);
      if (feed.sid === undefined) return text(get(doc, 'SHOUTCASTSERVER.SONGTITLE'));
      return text(list(get(doc, 'SHOUTCASTSERVER.STREAMSTATS.STREAM')).find((s) => Number(s['@_id']) === feed.sid)?.SONGTITLE);
    }
    default: {
      const doc = feed.format === 'json' ? JSON.parse(body) : xml.parse(body);
      const title = text(get(doc, feed.title!));
      const artist = feed.artist ? text(get(doc, feed.artist)) : '';
      return artist && title ? `${artist} - ${title}` : title || artist;
    }
  }
}

async function poll(id: string, feed: Feed, url: string, headers: Record<string, string>, due: number): Promise<void> {
  counters.polls++;
  lag.record(Math.max(0, Date.now() - due));
  try {
    const res = await fetch(url, { headers });
    const body = await res.text();
    counters.bytes += body.length;
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const title = titleOf(feed, body);
    counters.reads++;
    if (title !== (last.get(id) ?? '')) {
      last.set(id, title);
      if (title) {
        counters.changes++;
        out.write(`${JSON.stringify({ station: id, raw: title, at: Date.now() })}\n`);
      }
    }
  } catch {
    counters.errors++;
  }
}

let stations = 0;
for (const s of file.stations) {
  if (!s.feed) continue;
  stations++;
  const feed = s.feed;
  // fetch() refuses URLs with credentials: send them as a header, as a user would after the first error.
  const u = new URL(feed.url);
  const headers: Record<string, string> = { 'user-agent': 'peer-fetch-loop' };
  if (u.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = u.password = '';
  const url = u.toString();
  let due = Date.now() + Math.random() * intervalMs;
  setTimeout(() => {
    void poll(s.id, feed, url, headers, due);
    setInterval(() => {
      due += intervalMs;
      void poll(s.id, feed, url, headers, due);
    }, intervalMs);
  }, due - Date.now());
}

const stats = () => {
  const cpu = process.cpuUsage();
  return { msg: 'stats', time: Date.now(), stations, polled: stations, ...counters, lagP50Ms: lag.percentile(50), lagP99Ms: lag.percentile(99), cpuUs: cpu.user + cpu.system, rssMb: rssMb() };
};
console.log(JSON.stringify({ msg: 'crawler started', time: Date.now(), stations }));
setInterval(() => console.log(JSON.stringify(stats())), Number(values['stats-every']) * 1000);
const stop = () => out.end(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
