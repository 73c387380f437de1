// The station farm's status feeds: what a simulated server of each format answers (renderFeed), the
// stations.json entry that reads it (feedEntry), and a small feed farm on 127.0.0.1 whose titles the
// caller sets, for tests that drive it title by title. The full farm (farm.ts) serves the same pages with
// titles from its schedule, through feed-server.ts.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Song } from './schedule.ts';

export type FarmKind = 'icecast-json' | 'icecast-xml' | 'shoutcast-v1' | 'shoutcast-v2' | 'shoutcast-v2-statistics' | 'somafm-xml' | 'azuracast-json';
export const FARM_KINDS: FarmKind[] = ['icecast-json', 'icecast-xml', 'shoutcast-v1', 'shoutcast-v2', 'shoutcast-v2-statistics', 'somafm-xml', 'azuracast-json'];

export type { Song } from './schedule.ts';

export interface FarmStation {
  id: string;
  kind: FarmKind;
  /** Simulated server (several stations share one Icecast / SHOUTcast v2 server). */
  server: number;
  /** Mount index on its server (Icecast /m<k>, SHOUTcast v2 sid). */
  slot: number;
  song: Song | null;
}

export interface FeedFarmOptions {
  stations: number;
  /** Stations per multi-mount server (Icecast, SHOUTcast v2 /statistics). */
  mountsPerServer?: number;
  kinds?: FarmKind[];
  /** Admin credentials of the simulated Icecast /admin/stats. */
  adminUser?: string;
  adminPassword?: string;
}

export interface FeedFarm {
  readonly base: string;
  readonly stations: FarmStation[];
  /** Requests answered, by kind of response, and connections accepted. */
  readonly requests: { total: number; notModified: number; connections: number };
  setSong(id: string, song: Song | null): void;
  /** The stations.json entry that reads a farm station. */
  stationEntry(station: FarmStation): Record<string, unknown>;
  close(): Promise<void>;
}

/** Credentials of every simulated Icecast /admin/stats. */
export const FARM_ADMIN = { user: 'admin', password: 'hackme' };

/**
 * Pages served the way Icecast 2.4 and SHOUTcast v1's DNAS serve them: `HTTP/1.0`, `Connection: Close`,
 * `Cache-Control: no-cache, no-store`, no ETag or Last-Modified (Debian's Icecast 2.4.4, `curl -sD -` of
 * /status-json.xsl and /admin/stats). Every poll of them is a new TCP connection and never a 304.
 * SHOUTcast v2 and the stations' own feeds keep the connection; the own feeds, static files behind a CDN,
 * carry an ETag.
 */
export const CLOSING_KINDS: ReadonlySet<FarmKind> = new Set<FarmKind>(['icecast-json', 'icecast-xml', 'shoutcast-v1']);
/** Kinds whose pages carry an ETag (and answer If-None-Match with 304). */
export const ETAG_KINDS: ReadonlySet<FarmKind> = new Set<FarmKind>(['somafm-xml', 'azuracast-json']);

const REASONS: Record<number, string> = { 200: 'OK', 401: 'Authentication Required', 404: 'File Not Found' };

/**
 * Answers as Icecast does, on the raw socket: an HTTP/1.0 status line (Node's ServerResponse can only say
 * HTTP/1.1), its headers, the body, and the server closes the connection.
 */
export function answerAndClose(res: ServerResponse, status: number, type: string | undefined, body: Buffer | string, extra = ''): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const head =
    `HTTP/1.0 ${status} ${REASONS[status] ?? 'Error'}\r\nServer: Icecast 2.4.4\r\nConnection: Close\r\nDate: ${new Date().toUTCString()}\r\n` +
    (type ? `Content-Type: ${type}\r\n` : '') +
    'Cache-Control: no-cache, no-store\r\nExpires: Mon, 26 Jul 1997 05:00:00 GMT\r\nPragma: no-cache\r\n' +
    extra + `Content-Length: ${bytes.length}\r\n\r\n`;
  const socket = res.socket!;
  // The response object is never used: the socket is written and ended by hand, and it goes with the socket.
  socket.cork();
  socket.write(head, 'latin1');
  socket.end(bytes);
}

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const htmlEscape = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
const joined = (song: Song | null) => (song ? `${song.artist} - ${song.title}` : '');

/** The body a simulated server of `kind` answers with for its stations `group`; a number is an error status. */
export function renderFeed(kind: FarmKind, server: number, group: FarmStation[], authorization: string | undefined, admin = FARM_ADMIN): { type: string; body: string } | number {
  switch (kind) {
    case 'icecast-json': {
      const sources = group.map((s) => ({
        audio_info: 'bitrate=128', bitrate: 128, genre: 'various', listener_peak: 3, listeners: 1,
        listenurl: `http://localhost:8000/m${s.slot}`, server_name: `Station ${s.id}`, server_type: 'audio/mpeg',
        stream_start: 'Sat, 28 Nov 2026 10:00:00 +0000', ...(s.song ? { title: joined(s.song) } : { title: null }), dummy: null,
      }));
      const source = sources.length === 1 ? sources[0] : sources;
      return { type: 'application/json; charset=UTF-8', body: JSON.stringify({ icestats: { admin: 'icemaster@localhost', host: 'localhost', location: 'Earth', server_id: 'Icecast 2.4.4', source } }) };
    }
    case 'icecast-xml': {
      if (authorization !== `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`) return 401;
      const sources = group
        .map((s) => `<source mount="/m${s.slot}"><listeners>1</listeners>${s.song ? `<title>${xmlEscape(joined(s.song))}</title>` : ''}<server_type>audio/mpeg</server_type></source>`)
        .join('');
      return { type: 'text/xml; charset=utf-8', body: `<?xml version="1.0"?><icestats><sources>${group.length}</sources>${sources}</icestats>` };
    }
    case 'shoutcast-v1': {
      const s = group[0]!;
      const status = s.song ? 1 : 0;
      return { type: 'text/html', body: `<HTML><meta http-equiv="Pragma" content="no-cache"></head><body>3,${status},10,100,3,128,${htmlEscape(joined(s.song))}</body></html>` };
    }
    case 'shoutcast-v2': {
      const s = group[0]!;
      return {
        type: 'text/xml',
        body: `<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><SHOUTCASTSERVER><CURRENTLISTENERS>3</CURRENTLISTENERS><STREAMSTATUS>1</STREAMSTATUS><SERVERTITLE>Station ${s.id}</SERVERTITLE><SONGTITLE>${xmlEscape(joined(s.song))}</SONGTITLE><STREAMPATH>/stream</STREAMPATH></SHOUTCASTSERVER>`,
      };
    }
    case 'shoutcast-v2-statistics': {
      const streams = group
        .map((s) => `<STREAM id="${s.slot}"><CURRENTLISTENERS>1</CURRENTLISTENERS><STREAMSTATUS>1</STREAMSTATUS><SERVERTITLE>Station ${s.id}</SERVERTITLE><SERVERURL>http://example.org/</SERVERURL><SONGTITLE>${xmlEscape(joined(s.song))}</SONGTITLE><STREAMPATH>/stream/${s.slot}</STREAMPATH></STREAM>`)
        .join('');
      return { type: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?><SHOUTCASTSERVER><STREAMSTATS><TOTALSTREAMS>${group.length}</TOTALSTREAMS>${streams}</STREAMSTATS></SHOUTCASTSERVER>` };
    }
    case 'somafm-xml': {
      const s = group[0]!;
      // Silence is an empty newest entry; the older entries below it stay, as on SomaFM.
      const song = `<song><title><![CDATA[${s.song?.title ?? ''}]]></title><artist><![CDATA[${s.song?.artist ?? ''}]]></artist><album></album><date>1764324000</date></song>`;
      return { type: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8" ?><songs>${song}<song><title>Older</title><artist>Someone</artist><album/><date>1764320000</date></song></songs>` };
    }
    case 'azuracast-json': {
      const s = group[0]!;
      const song = s.song ? { id: 'x', text: joined(s.song), artist: s.song.artist, title: s.song.title, album: '' } : { id: '', text: '', artist: '', title: '', album: '' };
      return { type: 'application/json', body: JSON.stringify({ station: { id: server, name: `Station ${s.id}` }, now_playing: { played_at: 1764324000, duration: 180, song } }) };
    }
  }
}

/** The path a station of `kind` on `server` is read from (its server's status page). */
export function feedPath(kind: FarmKind, server: number): string {
  const file: Record<FarmKind, string> = {
    'icecast-json': 'status-json.xsl',
    'icecast-xml': 'admin/stats',
    'shoutcast-v1': '7.html',
    'shoutcast-v2': 'stats?sid=1',
    'shoutcast-v2-statistics': 'statistics',
    'somafm-xml': 'songs.xml',
    'azuracast-json': 'nowplaying.json',
  };
  return `/${kind}/${server}/${file[kind]}`;
}

/** The `feed` of a stations.json entry that reads mount `slot` of a farm server at `origin` (http://host:port). */
export function feedEntry(kind: FarmKind, origin: string, server: number, slot: number, admin = FARM_ADMIN, path = feedPath(kind, server)): Record<string, unknown> {
  const url = `${origin}${path}`;
  switch (kind) {
    case 'icecast-json':
      return { url, format: 'icecast-json', mount: `/m${slot}` };
    case 'icecast-xml':
      return { url: url.replace('//', `//${admin.user}:${admin.password}@`), format: 'icecast-xml', mount: `/m${slot}` };
    case 'shoutcast-v1':
      return { url, format: 'shoutcast-v1' };
    case 'shoutcast-v2':
      return { url, format: 'shoutcast-v2' };
    case 'shoutcast-v2-statistics':
      return { url, format: 'shoutcast-v2', sid: slot };
    case 'somafm-xml':
      return { url, format: 'xml', title: 'songs.song[0].title', artist: 'songs.song[0].artist' };
    case 'azuracast-json':
      return { url, format: 'json', title: 'now_playing.song.title', artist: 'now_playing.song.artist' };
  }
}

export async function startFeedFarm(opts: FeedFarmOptions): Promise<FeedFarm> {
  const kinds = opts.kinds ?? FARM_KINDS;
  const perServer = opts.mountsPerServer ?? 10;
  const user = opts.adminUser ?? 'admin';
  const password = opts.adminPassword ?? 'hackme';
  const stations: FarmStation[] = [];
  const byServer = new Map<string, FarmStation[]>();
  const counters = new Map<FarmKind, number>();
  for (let i = 0; i < opts.stations; i++) {
    const kind = kinds[i % kinds.length]!;
    const n = counters.get(kind) ?? 0;
    counters.set(kind, n + 1);
    const multi = kind.startsWith('icecast') || kind === 'shoutcast-v2-statistics';
    const server = multi ? Math.floor(n / perServer) : n;
    const slot = multi ? (n % perServer) + 1 : 1;
    const station: FarmStation = { id: `${kind}-${server}-${slot}`, kind, server, slot, song: null };
    stations.push(station);
    const key = `${kind}/${server}`;
    byServer.set(key, [...(byServer.get(key) ?? []), station]);
  }
  const byId = new Map(stations.map((s) => [s.id, s]));
  const requests = { total: 0, notModified: 0, connections: 0 };

  function render(kind: FarmKind, server: number, req: IncomingMessage): { type: string; body: string } | number {
    const group = byServer.get(`${kind}/${server}`);
    if (!group) return 404;
    return renderFeed(kind, server, group, req.headers.authorization, { user, password });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    requests.total++;
    const url = new URL(req.url ?? '/', 'http://farm');
    const m = /^\/(?<kind>[a-z0-9-]+)\/(?<server>\d+)\//.exec(url.pathname);
    const kind = m?.groups!.kind as FarmKind | undefined;
    const result = m ? render(kind!, Number(m.groups!.server), req) : 404;
    if (kind && CLOSING_KINDS.has(kind)) {
      if (typeof result === 'number') return answerAndClose(res, result, 'text/html', '', result === 401 ? 'WWW-Authenticate: Basic realm="Icecast2 Server"\r\n' : '');
      return answerAndClose(res, 200, result.type, result.body);
    }
    if (typeof result === 'number') {
      res.writeHead(result, result === 401 ? { 'www-authenticate': 'Basic realm="Icecast2 Server"' } : {}).end();
      return;
    }
    if (!ETAG_KINDS.has(kind!)) {
      res.writeHead(200, { 'content-type': result.type, 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(result.body) }).end(result.body);
      return;
    }
    const etag = `"${createHash('sha1').update(result.body).digest('base64url').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      requests.notModified++;
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': result.type, etag, 'content-length': Buffer.byteLength(result.body) }).end(result.body);
  }

  const server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => requests.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    stations,
    requests,
    setSong(id, song) {
      const s = byId.get(id);
      if (!s) throw new Error(`no farm station ${id}`);
      s.song = song;
    },
    stationEntry(s) {
      return { id: s.id, name: `Station ${s.id}`, feed: feedEntry(s.kind, base, s.server, s.slot, { user, password }) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
