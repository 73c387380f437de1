// Which request gets which answer. Handlers read through the API's own read-only store and answer from
// memory or with one bounded query: none waits on the crawler, and the crawler waits on none.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { API_DEFAULTS } from '../config.ts';
import { toExportedPlay } from '../export/history.ts';
import type { Logger } from '../log.ts';
import type { CrawlerView } from '../crawler/view.ts';
import { readAll, type PlayReader } from '../store/contract.ts';
import { boardRows } from './board.ts';
import { encodeCursor, parseHistoryParams } from './history-query.ts';
import type { MinuteStats } from './minute-stats.ts';
import { servePage } from './page.ts';
import { ApiError, sendError, sendJson } from './respond.ts';
import type { SseHub } from './sse-hub.ts';

export interface RouteContext {
  crawler: CrawlerView;
  reader: PlayReader;
  hub: SseHub;
  stats: MinuteStats;
  metrics: Registry;
  logger: Logger;
}

type Handler = (ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => void | Promise<void>;

const routes: { path: RegExp; handler: Handler }[] = [
  { path: /^\/api\/now$/, handler: now },
  { path: /^\/api\/stations\/([^/]+)\/history$/, handler: history },
  { path: /^\/api\/events$/, handler: events },
  { path: /^\/api\/stats$/, handler: stats },
  { path: /^\/api\/nodes$/, handler: nodes },
  { path: /^\/metrics$/, handler: metrics },
  { path: /^\/healthz$/, handler: healthz },
];

/** The server's request listener. Every failure becomes a JSON error; none escapes to the process. */
export function createRouter(ctx: RouteContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void route(ctx, req, res).catch((err: unknown) => {
      if (err instanceof ApiError) {
        if (!res.headersSent) return sendError(res, err.status, err.message);
      } else {
        ctx.logger.error({ err, path: req.url }, 'API request failed');
        if (!res.headersSent) return sendError(res, 500, 'internal error');
      }
      res.destroy();
    });
  };
}

async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://onair.invalid');
  const match = routes.map((r) => ({ r, m: r.path.exec(url.pathname) })).find((x) => x.m !== null);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    throw new ApiError(405, `method ${req.method} not allowed; this API is read-only (GET)`);
  }
  if (match) return match.r.handler(ctx, req, res, url, match.m!.slice(1));
  if (!(await servePage(res, url.pathname))) throw new ApiError(404, `no such resource: ${url.pathname}`);
}

async function now(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendJson(res, 200, { stations: boardRows(ctx.crawler.stations(), await ctx.reader.nowPlaying()) });
}

async function history(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, url: URL, [rawId]: string[]): Promise<void> {
  const station = decodeSegment(rawId!);
  const q = parseHistoryParams(url.searchParams);
  if (!(await ctx.reader.hasStation(station))) throw new ApiError(404, `unknown station "${station}"`);
  // One row more than asked tells whether another page follows.
  const rows = await readAll(ctx.reader.history({ stations: [station], since: q.since, until: q.until, afterId: q.afterId, newestFirst: true, limit: q.limit + 1 }));
  const page = rows.slice(0, q.limit);
  sendJson(res, 200, { station, plays: page.map(toExportedPlay), next: rows.length > q.limit ? encodeCursor(page.at(-1)!.id) : null });
}

async function events(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  // A HEAD would hold a connection and a client place for a body it never gets.
  if (req.method !== 'GET') throw new ApiError(405, 'the event stream answers GET only');
  for (const key of url.searchParams.keys()) if (key !== 'station') throw new ApiError(400, `unknown query parameter "${key}"; expected station`);
  const wanted = url.searchParams.getAll('station');
  for (const s of wanted) {
    if (s === '') throw new ApiError(400, '"station" must not be empty');
    if (!(await ctx.reader.hasStation(s))) throw new ApiError(404, `unknown station "${s}"`);
  }
  const header = req.headers['last-event-id'];
  if (header !== undefined && (typeof header !== 'string' || !/^\d{1,15}$/.test(header))) throw new ApiError(400, `Last-Event-ID must be an event id this API sent, got "${header}"`);
  ctx.hub.open(res, { stations: wanted.length ? new Set(wanted) : null, lastEventId: header === undefined ? undefined : Number(header) });
}

function stats(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse): void {
  const s = ctx.crawler.stats();
  sendJson(res, 200, {
    minutes: ctx.stats.lastHour,
    now: {
      stations: ctx.crawler.stations().length,
      liveStreams: s.live,
      eventClients: ctx.hub.size,
      lagP50Ms: s.lagP50Ms,
      lagP99Ms: s.lagP99Ms,
    },
  });
}

async function nodes(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rows = await ctx.reader.nodes(API_DEFAULTS.nodesWithinMs);
  sendJson(res, 200, { self: ctx.crawler.node, nodes: rows.map((n) => ({ ...n, heartbeatAt: new Date(n.heartbeatAt).toISOString() })) });
}

async function metrics(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await ctx.metrics.metrics();
  res.writeHead(200, { 'content-type': ctx.metrics.contentType, 'cache-control': 'no-store' });
  res.end(text);
}

async function healthz(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!ctx.crawler.running) return sendError(res, 503, 'the crawler is not running');
  if (!(await ctx.reader.ping())) return sendError(res, 503, 'the database cannot be read');
  sendJson(res, 200, { status: 'ok' });
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ApiError(400, `malformed station id in the path: "${s}"`);
  }
}
