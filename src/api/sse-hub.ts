// Server-Sent Events for GET /api/events: every committed play goes to each client whose station filter
// admits it, as `id: <row id>`, `event: play`, `data: <the play in the export format>`. A client that
// reconnects with Last-Event-ID gets what it missed from the database, then the live feed, with no gap and
// no repeat. Nothing here ever waits on a client: one whose unsent bytes pass a cap is dropped (it resumes
// from its last id when it reconnects), so a slow reader costs memory up to the cap and nothing else.
// A station that goes silent (its play ended, nothing new on) sends `event: end` with the ended play and no
// id: it is live only, since a reconnecting client reloads /api/now, which says who is silent.
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../clock.ts';
import { API_DEFAULTS } from '../config.ts';
import { toExportedPlay } from '../export/history.ts';
import type { Logger } from '../log.ts';
import type { Flushed, StoredPlay } from '../store/contract.ts';
import { ApiError } from './respond.ts';

export interface SseHubOptions {
  clock: Clock;
  logger: Logger;
  /** Plays with an id greater than `after`, in id order, at most `limit`: where a resume reads from. */
  playsAfter(after: number, limit: number): Promise<StoredPlay[]>;
  /** A comment line goes to every client this often, so proxies and browsers keep idle streams open. */
  heartbeatMs?: number;
  maxClients?: number;
  /** Unsent bytes (ours and the socket's) past which a client is dropped. */
  maxBufferBytes?: number;
}

export interface SseSubscription {
  /** Only these stations; null for all. */
  stations: ReadonlySet<string> | null;
  /** Resume after this play id (the Last-Event-ID header). */
  lastEventId?: number;
}

interface Client {
  res: ServerResponse;
  stations: ReadonlySet<string> | null;
  /** Highest play id sent or passed over: live events at or below it are not sent again. */
  lastId: number;
  /** Reading missed plays from the database; live events wait in `held` meanwhile. */
  replaying: boolean;
  /**
   * What was published while replaying: a commit can land after a replay read was taken and before it
   * returns (always possible on a server database), so the last page alone could leave a gap.
   */
  held: Flushed[];
}

/** Browsers reconnect after this long when a stream drops. */
const RETRY_MS = 2_000;
const REPLAY_PAGE = 500;

export class SseHub {
  private readonly clients = new Set<Client>();
  private heartbeat: TimerHandle | undefined;
  private closed = false;
  private readonly heartbeatMs: number;
  private readonly maxClients: number;
  private readonly maxBufferBytes: number;

  constructor(private readonly opts: SseHubOptions) {
    this.heartbeatMs = opts.heartbeatMs ?? API_DEFAULTS.heartbeatMs;
    this.maxClients = opts.maxClients ?? API_DEFAULTS.maxEventClients;
    this.maxBufferBytes = opts.maxBufferBytes ?? API_DEFAULTS.maxClientBufferBytes;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Turns `res` into an event stream; throws ApiError(503) (before any byte is sent) when the hub is full. */
  open(res: ServerResponse, sub: SseSubscription): void {
    if (this.closed) throw new ApiError(503, 'the server is shutting down');
    // Hung up while the request was being checked: its 'close' has been and gone, so it would never leave.
    if (res.destroyed) return;
    if (this.clients.size >= this.maxClients) throw new ApiError(503, `too many event clients (${this.maxClients}); retry later`);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx would otherwise hold events back
    });
    res.socket?.setNoDelay(true);
    // The first bytes also send the headers now, so the client knows at once that the stream is open.
    res.write(`retry: ${RETRY_MS}\n\n`);
    const client: Client = { res, stations: sub.stations, lastId: sub.lastEventId ?? 0, replaying: sub.lastEventId !== undefined, held: [] };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    if (client.replaying) void this.replay(client);
    this.armHeartbeat();
  }

  /**
   * Sends what a flush committed to every live client that wants it, in one write: the plays it opened (in id
   * order), then the stations it left silent (none of them opened anything after going silent, so the ends
   * come last). Never throws.
   */
  publish(flushed: Flushed): void {
    if (this.clients.size === 0) return;
    try {
      // Each event is serialised once, however many clients get it.
      const plays = flushed.opened.map((p) => ({ play: p, text: frame(p) }));
      const ends = flushed.silenced.map((p) => ({ play: p, text: endFrame(p) }));
      for (const c of this.clients) {
        if (c.replaying) c.held.push(flushed);
        else this.sendLive(c, plays, ends);
      }
    } catch (err) {
      this.opts.logger.error({ err }, 'sending live events failed (a bug); the crawler goes on');
    }
  }

  /** The plays the client has not had yet (id above its last) and the ends it wants, in one write. */
  private sendLive(c: Client, plays: Frame[], ends: Frame[]): void {
    let text = '';
    for (const f of plays) if (f.play.id > c.lastId && admits(c, f.play)) text += f.text;
    for (const f of ends) if (admits(c, f.play)) text += f.text;
    c.lastId = Math.max(c.lastId, plays.at(-1)?.play.id ?? 0);
    if (text) this.send(c, text);
  }

  /** Ends every stream and stops the heartbeat. */
  close(): void {
    this.closed = true;
    this.heartbeat?.cancel();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private async replay(c: Client): Promise<void> {
    try {
      for (;;) {
        const page = await this.opts.playsAfter(c.lastId, REPLAY_PAGE);
        if (!this.clients.has(c)) return;
        const text = page.filter((p) => admits(c, p)).map(frame).join('');
        c.lastId = page.at(-1)?.id ?? c.lastId;
        if (text && !this.send(c, text)) return;
        if (page.length === REPLAY_PAGE) {
          if (c.res.writableNeedDrain) await drained(c.res);
          if (!this.clients.has(c)) return;
          continue;
        }
        // The last page. Commits published during the read were held: send what the read did not already
        // include (lastId filters it), then go live, in this same turn, so no commit falls between.
        c.replaying = false;
        for (const f of c.held.splice(0)) {
          this.sendLive(c, f.opened.map((p) => ({ play: p, text: frame(p) })), f.silenced.map((p) => ({ play: p, text: endFrame(p) })));
          if (!this.clients.has(c)) return;
        }
        return;
      }
    } catch (err) {
      this.opts.logger.error({ err }, 'replaying events failed; closing the stream');
      this.drop(c);
    }
  }

  /** Writes unless the client is too far behind, in which case it is dropped. False if it was dropped. */
  private send(c: Client, text: string): boolean {
    if (c.res.writableLength > this.maxBufferBytes) {
      this.opts.logger.warn({ unsent: c.res.writableLength }, 'event client too slow; dropped (it may resume with Last-Event-ID)');
      this.drop(c);
      return false;
    }
    c.res.write(text);
    return true;
  }

  private drop(c: Client): void {
    this.clients.delete(c);
    c.res.destroy();
  }

  private armHeartbeat(): void {
    if (this.heartbeat || this.closed) return;
    this.heartbeat = this.opts.clock.setTimer(this.heartbeatMs, () => {
      this.heartbeat = undefined;
      for (const c of this.clients) this.send(c, ': heartbeat\n\n');
      if (this.clients.size > 0) this.armHeartbeat();
    });
  }
}

interface Frame {
  play: StoredPlay;
  text: string;
}

function admits(c: Client, p: StoredPlay): boolean {
  return c.stations === null || c.stations.has(p.station);
}

/** A station went silent: the play that ended, without an id (live only, never replayed). */
function endFrame(p: StoredPlay): string {
  return `event: end\ndata: ${JSON.stringify(toExportedPlay(p))}\n\n`;
}

function frame(p: StoredPlay): string {
  // JSON.stringify escapes line breaks, so data is always one line.
  return `id: ${p.id}\nevent: play\ndata: ${JSON.stringify(toExportedPlay(p))}\n\n`;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
