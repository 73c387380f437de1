// The peer for status feeds: what a careful user writes in an afternoon without onair. Every station gets
// its own setInterval (started at a random point of the interval, so the first round is not one burst)
// that fetches its page with undici.request (keep-alive pool, 10 s header and body timeouts), basic auth
// from the URL, a browser User-Agent for SHOUTcast v1's 7.html (the DNAS answers others with the audio);
// parses it whole (fast-xml-parser or JSON.parse), picks the title, decodes the five XML entities of
// 7.html, and when it changed INSERTs it into SQLite (WAL, one autocommit statement per change). No shared
// fetch of multi-mount pages, no conditional requests, no byte caps, no concurrency bound.
// A `stats` line goes to stdout every few seconds; the bench reads the changes from the database.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { XMLParser } from 'fast-xml-parser';
import { request } from 'undici';
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
const db = new Database(values.out!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS plays (station TEXT NOT NULL, raw TEXT NOT NULL, at INTEGER NOT NULL)');
const insert = db.prepare('INSERT INTO plays (station, raw, at) VALUES (?, ?, ?)');
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
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
      return csv.split(',').slice(6).join(',').replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ENTITIES[e]!).trim();
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
    const res = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
    const body = await res.body.text();
    counters.bytes += body.length;
    if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`HTTP ${res.statusCode}`);
    const title = titleOf(feed, body);
    counters.reads++;
    if (title !== (last.get(id) ?? '')) {
      last.set(id, title);
      if (title) {
        counters.changes++;
        insert.run(id, title, Date.now());
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
  // Credentials in the URL go as a header: undici does not send them by itself.
  const u = new URL(feed.url);
  const headers: Record<string, string> = { 'user-agent': feed.format === 'shoutcast-v1' ? BROWSER : 'peer-fetch-loop' };
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
const stop = () => {
  db.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
