// A local SHOUTcast/Icecast look-alike on 127.0.0.1 for stream reader tests (and, later, the station farm).
// Each mount is an ICY stream, a chained Ogg stream, a playlist or a redirect; the test changes titles at
// runtime and every change is written to listeners at once, so no test waits on the clock.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { OggTrackWriter, trackComments, type OggCodec } from './ogg-pages.ts';

/** How the response starts: `HTTP/1.0 200 OK`, SHOUTcast v1's `ICY 200 OK`, headers with no status line, or audio at once. */
export type HeadStyle = 'http' | 'icy' | 'none' | 'bare';

export type Title = string | Uint8Array;

interface StreamCommon {
  head?: HeadStyle;
  /** Extra head lines (icy-name, icy-genre, …). */
  headers?: Record<string, string>;
  /** Content-Type; '' sends none. */
  contentType?: string;
  /** Title history, oldest first; the last one is on air. */
  titles?: Title[];
  /** Send nothing at all ('before-head') or nothing after the head ('after-head'). */
  stall?: 'before-head' | 'after-head';
  /** End the connection right after the head. */
  closeAfterHead?: boolean;
  /** Also send a stretch of audio every intervalMs (ICY: with L = 0 unless the title changed). */
  intervalMs?: number;
}

export interface IcyMount extends StreamCommon {
  kind?: 'icy';
  /** Default 16000 (Icecast); null: no icy-metaint, audio only. */
  metaint?: number | null;
  /** Replay the last N titles in a connect burst of at least burstBytes, as Icecast does. 0: no burst. */
  burst?: number;
  burstBytes?: number;
}

export interface OggMount extends StreamCommon {
  kind: 'ogg';
  codec: OggCodec;
  /** Lacing values per page: small values make header packets span pages. */
  maxSegments?: number;
}

export type Mount =
  | IcyMount
  | OggMount
  | { kind: 'playlist'; body: string; contentType?: string }
  | { kind: 'redirect'; location: string; status?: number };

export interface RecordedRequest {
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Bytes written to this listener so far. */
  bytesSent: number;
  /** True once the connection is closed (by either side). */
  closed: boolean;
}

export interface IcyServer {
  readonly port: number;
  /** `http://127.0.0.1:port/path`, with `user:pass@` when given. */
  url(path: string, userinfo?: string): string;
  /** Adds or replaces a mount. */
  mount(path: string, mount: Mount): void;
  /** Puts a new title on air and writes it to every listener of the mount now. */
  setTitle(path: string, title: Title): void;
  /** Writes one more stretch of audio to every listener of the mount (ICY: with L = 0 unless the title changed). */
  tick(path: string): void;
  /** Ends every connection to the mount cleanly (FIN), as a server does when its source leaves. */
  end(path: string): void;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** 'request' (RecordedRequest) and 'disconnect' (RecordedRequest). */
  readonly events: EventEmitter;
  /** Connections open now, to one mount or to all. */
  listeners(path?: string): number;
  close(): Promise<void>;
}

/** Fake audio: it holds metadata-looking text on purpose, which a demultiplexer must skip as audio. */
const AUDIO_PATTERN = "StreamTitle='in the audio';\xff\xfb\x90\x00";

/** One ICY metadata block: `StreamTitle='…';StreamUrl='';`, NUL-padded to 16 bytes, with its length byte. */
export function icyBlock(title: Title | null): Uint8Array {
  if (title === null) return Uint8Array.of(0);
  const bytes = typeof title === 'string' ? Buffer.from(title) : title;
  const text = Buffer.concat([Buffer.from("StreamTitle='"), bytes, Buffer.from("';StreamUrl='';")]);
  const units = Math.ceil(text.length / 16);
  if (units > 255) throw new RangeError(`metadata of ${text.length} bytes does not fit in one ICY block`);
  const block = Buffer.alloc(1 + units * 16);
  block[0] = units;
  text.copy(block, 1);
  return block;
}

/** `metaint` bytes of audio followed by a metadata block (or L = 0 for null). */
export function icyFrame(metaint: number, title: Title | null): Uint8Array {
  return Buffer.concat([Buffer.alloc(metaint, AUDIO_PATTERN, 'latin1'), icyBlock(title)]);
}

const titleText = (t: Title) => (typeof t === 'string' ? t : Buffer.from(t).toString('utf8'));

interface Listener {
  socket: net.Socket;
  record: RecordedRequest;
  /** Past the head and not stalled: takes titles and ticks. */
  streaming?: boolean;
  /** ICY: the title this listener last got in a block. */
  sentTitle?: Title;
  ogg?: OggTrackWriter;
}

export async function startIcyServer(mounts: Record<string, Mount> = {}): Promise<IcyServer> {
  const table = new Map(Object.entries(mounts));
  const open = new Map<string, Set<Listener>>();
  const timers = new Map<string, NodeJS.Timeout>();
  const requests: RecordedRequest[] = [];
  const events = new EventEmitter();

  const send = (l: Listener, bytes: Uint8Array | string) => {
    if (l.socket.destroyed || l.socket.writableEnded) return;
    l.record.bytesSent += typeof bytes === 'string' ? Buffer.byteLength(bytes, 'latin1') : bytes.length;
    l.socket.write(bytes, 'latin1');
  };
  /** Writes a whole response and ends the connection. */
  const finish = (l: Listener, bytes: Uint8Array | string) => {
    send(l, bytes);
    l.socket.end();
  };
  const current = (m: StreamCommon): Title => m.titles?.at(-1) ?? '';

  /** Audio up to the next block, then the current title if this listener has not had it, else L = 0. */
  const sendIcy = (l: Listener, m: IcyMount) => {
    const metaint = m.metaint === undefined ? 16000 : m.metaint;
    if (metaint === null) return send(l, Buffer.alloc(4096, AUDIO_PATTERN, 'latin1'));
    const title = current(m);
    send(l, icyFrame(metaint, l.sentTitle === title ? null : title));
    l.sentTitle = title;
  };

  const startStream = (l: Listener, m: IcyMount | OggMount) => {
    const style = m.head ?? 'http';
    const contentType = m.contentType ?? (m.kind === 'ogg' ? 'application/ogg' : 'audio/mpeg');
    const lines = style === 'icy' ? ['ICY 200 OK'] : style === 'http' ? ['HTTP/1.0 200 OK'] : [];
    if (contentType) lines.push(`Content-Type: ${contentType}`);
    if (m.kind !== 'ogg' && m.metaint !== null) lines.push(`icy-metaint: ${m.metaint ?? 16000}`);
    for (const [name, value] of Object.entries(m.headers ?? {})) lines.push(`${name}: ${value}`);
    if (style !== 'bare') send(l, Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'));
    if (m.closeAfterHead) return void l.socket.end();
    if (m.stall === 'after-head') return;
    l.streaming = true;
    if (m.kind === 'ogg') {
      l.ogg = new OggTrackWriter(m.codec, m.maxSegments);
      return send(l, Buffer.concat([l.ogg.headers(trackComments(titleText(current(m)))), l.ogg.audio()]));
    }
    const burst = m.burst ?? 0;
    if (burst > 0 && m.metaint !== null) {
      // Icecast's burst: buffered audio whose blocks replay the recent titles, oldest first.
      const metaint = m.metaint ?? 16000;
      const frames = (m.titles ?? []).slice(-burst).map((t) => icyFrame(metaint, t));
      let size = frames.reduce((n, f) => n + f.length, 0);
      for (; size < (m.burstBytes ?? 64 * 1024); size += metaint + 1) frames.push(icyFrame(metaint, null));
      send(l, Buffer.concat(frames));
      l.sentTitle = current(m);
      return;
    }
    sendIcy(l, m);
  };

  const respond = (l: Listener) => {
    const m = table.get(l.record.path);
    if (!m) return finish(l, 'HTTP/1.0 404 Not Found\r\n\r\n');
    if (m.kind === 'redirect') return finish(l, `HTTP/1.0 ${m.status ?? 302} Found\r\nLocation: ${m.location}\r\n\r\n`);
    if (m.kind === 'playlist') {
      const body = Buffer.from(m.body);
      const head = `HTTP/1.0 200 OK\r\nContent-Type: ${m.contentType ?? 'audio/x-scpls'}\r\nContent-Length: ${body.length}\r\n\r\n`;
      return finish(l, Buffer.concat([Buffer.from(head), body]));
    }
    if (m.stall === 'before-head') return;
    startStream(l, m);
  };

  const server = net.createServer((socket) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const [requestLine = '', ...headerLines] = head.slice(0, end).split('\r\n');
      const path = new URL(requestLine.split(' ')[1] ?? '/', 'http://x').pathname;
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const listener: Listener = { socket, record: { path, headers, bytesSent: 0, closed: false } };
      requests.push(listener.record);
      if (!open.has(path)) open.set(path, new Set());
      open.get(path)!.add(listener);
      socket.on('close', () => {
        open.get(path)?.delete(listener);
        listener.record.closed = true;
        events.emit('disconnect', listener.record);
      });
      events.emit('request', listener.record);
      respond(listener);
    };
    socket.on('data', onData);
    socket.on('error', () => {}); // a client resetting the connection is part of the tests
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const tick = (path: string) => {
    const m = table.get(path);
    for (const l of open.get(path) ?? []) {
      if (!l.streaming || !m) continue;
      if (m.kind === 'ogg') send(l, l.ogg!.audio());
      else if (!m.kind || m.kind === 'icy') sendIcy(l, m);
    }
  };

  const mount = (path: string, m: Mount) => {
    table.set(path, m);
    clearInterval(timers.get(path));
    if ((!m.kind || m.kind === 'icy' || m.kind === 'ogg') && m.intervalMs) timers.set(path, setInterval(() => tick(path), m.intervalMs));
  };
  for (const [path, m] of table) mount(path, m);

  return {
    port,
    url: (path, userinfo) => `http://${userinfo ? `${userinfo}@` : ''}127.0.0.1:${port}${path}`,
    mount,
    setTitle(path, title) {
      const m = table.get(path);
      if (!m || m.kind === 'playlist' || m.kind === 'redirect') throw new Error(`${path} is not a stream mount`);
      m.titles = [...(m.titles ?? []), title];
      for (const l of open.get(path) ?? []) {
        if (!l.streaming) continue;
        if (m.kind === 'ogg') send(l, Buffer.concat([l.ogg!.next(trackComments(titleText(title))), l.ogg!.audio()]));
        else sendIcy(l, m);
      }
    },
    tick,
    end(path) {
      for (const l of open.get(path) ?? []) l.socket.end();
    },
    requests,
    events,
    listeners: (path) => (path ? (open.get(path)?.size ?? 0) : [...open.values()].reduce((n, s) => n + s.size, 0)),
    async close() {
      for (const t of timers.values()) clearInterval(t);
      for (const set of open.values()) for (const l of set) l.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
