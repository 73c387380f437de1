// The farm's feed half at scale: status pages of every format for thousands of simulated servers, their
// titles taken from the schedule at request time. A server's page is rendered once per change of any of
// its mounts (then served from cache to every client), and what went out is told to the served log. Icecast
// and SHOUTcast v1 pages answer as those servers do (HTTP/1.0, close, no validators); SHOUTcast v2 keeps
// the connection; the stations' own feeds keep it and carry an ETag. Stations planned to misbehave answer
// under /bad/<fault>/<index>/.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerAndClose, CLOSING_KINDS, ETAG_KINDS, FARM_ADMIN, renderFeed, type FarmKind, type FarmStation } from './feed-farm.ts';
import type { FeedFault, PlannedFeed } from './plan.ts';
import type { Schedule } from './schedule.ts';
import type { PhaseCounters, ServedLog } from './served.ts';

interface Member extends FarmStation {
  index: number;
  k: number;
}

interface Group {
  kind: FarmKind;
  server: number;
  members: Member[];
  version: number;
  cache: { version: number; type: string; body: Buffer; etag: string } | undefined;
}

export interface FeedServerOptions {
  schedule: Schedule;
  stations: PlannedFeed[];
  served: ServedLog;
}

/** Bodies past the crawler's 1 MiB cap, sent in shared chunks. */
export const HUGE_BODY_BYTES = 3 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, '<title>more</title>');
const STALL_MS = 120_000;
const ADMIN_AUTH = `Basic ${Buffer.from(`${FARM_ADMIN.user}:${FARM_ADMIN.password}`).toString('base64')}`;
const XML_KINDS = new Set<FarmKind>(['icecast-xml', 'shoutcast-v2', 'shoutcast-v2-statistics', 'somafm-xml']);
const TYPES: Record<FarmKind, string> = {
  'icecast-json': 'application/json',
  'icecast-xml': 'text/xml',
  'shoutcast-v1': 'text/html',
  'shoutcast-v2': 'text/xml',
  'shoutcast-v2-statistics': 'text/xml',
  'somafm-xml': 'text/xml',
  'azuracast-json': 'application/json',
};
/** Billion laughs: ten levels of ten references, a few hundred bytes that expand to 10^10. */
const XML_BOMB = (() => {
  const lines = ['<?xml version="1.0"?>', '<!DOCTYPE lolz [', ' <!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 10; i++) lines.push(` <!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  lines.push(']>', '<SHOUTCASTSERVER><SONGTITLE>&lol10;</SONGTITLE></SHOUTCASTSERVER>');
  return lines.join('\n');
})();
/** 200,000 nested arrays. */
const JSON_BOMB = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
const GARBAGE = (() => {
  const b = Buffer.alloc(8 * 1024);
  let x = 0x2545f491;
  for (let i = 0; i < b.length; i++) b[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return b;
})();

export class FeedServer {
  private readonly groups = new Map<string, Group>();
  private readonly bad = new Map<number, PlannedFeed>();
  private readonly stalled = new Set<ServerResponse>();

  constructor(private readonly opts: FeedServerOptions) {
    for (const p of opts.stations) {
      if (p.fault) {
        this.bad.set(p.index, p);
        continue;
      }
      const key = `${p.kind}/${p.server}`;
      let group = this.groups.get(key);
      if (!group) this.groups.set(key, (group = { kind: p.kind, server: p.server, members: [], version: 0, cache: undefined }));
      group.members.push({ id: p.id, kind: p.kind, server: p.server, slot: p.slot, song: null, index: p.index, k: -1 });
    }
  }

  /** Answers one request on a feed port. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const counters = this.opts.served.current;
    counters.feedRequests++;
    const path = req.url ?? '/';
    const bad = /^\/bad\/([a-z0-9-]+)\/(\d+)\//.exec(path);
    if (bad) {
      const station = this.bad.get(Number(bad[2]));
      if (station) return this.fault(req, res, counters, station, bad[1] as FeedFault);
      return void res.writeHead(404).end();
    }
    const m = /^\/([a-z0-9-]+)\/(\d+)\//.exec(path);
    const group = m ? this.groups.get(`${m[1]}/${m[2]}`) : undefined;
    if (!group) return void res.writeHead(404).end();
    const now = Date.now();
    const page = this.page(group, now, req.headers.authorization);
    const closing = CLOSING_KINDS.has(group.kind);
    if (!page) {
      if (closing) return answerAndClose(res, 401, 'text/html', '', 'WWW-Authenticate: Basic realm="Icecast2 Server"\r\n');
      return void res.writeHead(401, { 'www-authenticate': 'Basic realm="Icecast2 Server"' }).end();
    }
    const etag = ETAG_KINDS.has(group.kind);
    if (etag && req.headers['if-none-match'] === page.etag) {
      counters.notModified++;
      return void res.writeHead(304, { etag: page.etag }).end();
    }
    counters.feedBytes += page.body.length;
    const phase = this.opts.served.phase;
    for (const s of group.members) this.opts.served.servedTo(phase, s.index, s.k, now);
    if (closing) return answerAndClose(res, 200, page.type, page.body);
    const validators = etag ? { etag: page.etag } : { 'cache-control': 'no-cache' };
    res.writeHead(200, { 'content-type': page.type, ...validators, 'content-length': page.body.length }).end(page.body);
  }

  /** The group's page now: re-rendered only when one of its mounts changed title. */
  private page(group: Group, now: number, authorization: string | undefined): Group['cache'] {
    const { schedule } = this.opts;
    for (const s of group.members) {
      const k = schedule.at(s.index, now).k;
      if (k === s.k) continue;
      s.k = k;
      s.song = schedule.song(s.index, k);
      group.version++;
    }
    if (group.kind === 'icecast-xml' && authorization !== ADMIN_AUTH) return undefined;
    if (group.cache?.version === group.version) return group.cache;
    const rendered = renderFeed(group.kind, group.server, group.members, ADMIN_AUTH);
    if (typeof rendered === 'number') return undefined;
    const body = Buffer.from(rendered.body);
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
    group.cache = { version: group.version, type: rendered.type, body, etag };
    return group.cache;
  }

  private fault(req: IncomingMessage, res: ServerResponse, counters: PhaseCounters, station: PlannedFeed, fault: FeedFault): void {
    const type = TYPES[station.kind];
    switch (fault) {
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'stall':
        // Never answers; the socket goes after a while so a crawler that never gives up cannot pile them up forever.
        this.stalled.add(res);
        res.on('close', () => this.stalled.delete(res));
        req.socket.setTimeout(STALL_MS, () => req.socket.destroy());
        return;
      case 'garbage':
        counters.faultBytes += GARBAGE.length;
        return void res.writeHead(200, { 'content-type': type, 'content-length': GARBAGE.length }).end(GARBAGE);
      case '5xx':
        return void res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>503 Service Unavailable</body></html>');
      case 'redirect-loop': {
        const hop = Number(/hop=(\d+)/.exec(req.url ?? '')?.[1] ?? 0) + 1;
        return void res.writeHead(302, { location: `/bad/redirect-loop/${station.index}/status?hop=${hop}` }).end();
      }
      case 'bomb': {
        const body = XML_KINDS.has(station.kind) ? XML_BOMB : station.kind === 'shoutcast-v1' ? `<html><body>${'<b>'.repeat(100_000)}</body></html>` : JSON_BOMB;
        counters.faultBytes += body.length;
        return void res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
      }
      case 'huge': {
        // No content-length: the body only ends when the client hangs up or HUGE_BODY_BYTES went out.
        res.writeHead(200, { 'content-type': type });
        let left = HUGE_BODY_BYTES;
        res.on('close', () => (left = 0));
        const pump = () => {
          while (left > 0) {
            left -= CHUNK.length;
            counters.faultBytes += CHUNK.length;
            if (!res.write(CHUNK)) return void res.once('drain', pump);
          }
          if (!res.writableEnded) res.end();
        };
        pump();
        return;
      }
    }
  }

  close(): void {
    for (const res of this.stalled) res.destroy();
  }
}
