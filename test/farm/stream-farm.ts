// The farm's stream half: ICY (Icecast `HTTP/1.0`, SHOUTcast `ICY 200 OK`, heads without a status line)
// and chained Ogg streams at a real bitrate, for thousands of listeners at once. Built to never be the
// bottleneck: one shared timer writes every listener's due bytes per tick (one corked writev each), audio
// is slices of one shared buffer, metadata blocks are made once per title. A listener that does not read
// is skipped, not buffered for. Titles come from the schedule; what went out is told to the served log.
import net from 'node:net';
import { icyBlock } from '../helpers/icy-server.ts';
import type { OggCodec } from '../helpers/ogg-pages.ts';
import { OGG_AUDIO_PAGE, oggAudioPage, oggNextTrack, oggTrackStart, type OggCursor } from './ogg-audio.ts';
import type { PlannedStream, StreamFault } from './plan.ts';
import type { Schedule } from './schedule.ts';
import type { PhaseCounters, ServedLog } from './served.ts';

export interface StreamFarmOptions {
  schedule: Schedule;
  /** Stream stations by their plan index (others undefined). */
  stations: (PlannedStream | undefined)[];
  served: ServedLog;
  bitrateKbps?: number;
  tickMs?: number;
}

/** Fake MPEG audio with metadata-looking text in it, which a demultiplexer must skip as audio. */
const AUDIO = Buffer.alloc(64 * 1024, "StreamTitle='in the audio';\xff\xfb\x90\x00", 'latin1');
const NO_CHANGE = Buffer.of(0);
/** A full 4,080-byte metadata block without a StreamTitle: the 'huge-meta' fault. */
const JUNK_BLOCK = Buffer.concat([Buffer.of(255), Buffer.alloc(255 * 16, "junk='x';")]);
const GARBAGE = (() => {
  const b = Buffer.alloc(16 * 1024);
  let x = 0x9e3779b9;
  for (let i = 0; i < b.length; i++) b[i] = (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 24;
  return b;
})();
/** A listener whose socket holds this much unsent is not reading: skip it this tick. */
const HIGH_WATER = 256 * 1024;
/** Icecast's default connect burst. */
const ICECAST_BURST = 64 * 1024;
const STALL_MS = 120_000;
const MAX_HEAD = 8 * 1024;

type Flavour = 'icy' | 'ogg' | 'plain' | 'junk-meta';

interface Listener {
  socket: net.Socket;
  station: PlannedStream;
  phase: number;
  counters: PhaseCounters;
  flavour: Flavour;
  metaint: number;
  /** Audio bytes until the next metadata block. */
  left: number;
  /** Title index last sent in a block (-1: none yet). */
  sentK: number;
  /** Icecast's burst replays the previous title first. */
  stale: number;
  latin1: boolean;
  startedAt: number;
  /** Audio bytes owed beyond real time (the connect burst), and audio bytes sent. */
  ahead: number;
  sent: number;
  ogg?: { codec: OggCodec; cursor: OggCursor };
}

/** Listeners are written in this many groups, one group per timer turn, so no turn writes to all of them. */
const GROUPS = 5;

export class StreamFarm {
  private readonly listeners = new Set<Listener>();
  private readonly groups = Array.from({ length: GROUPS }, () => new Set<Listener>());
  private turn = 0;
  private joined = 0;
  private readonly blocks = new Map<number, { k: number; block: Uint8Array }>();
  private readonly bytesPerMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly opts: StreamFarmOptions) {
    this.bytesPerMs = ((opts.bitrateKbps ?? 128) * 1000) / 8 / 1000;
    // One shared timer; each turn serves one group, so every listener is written once per tickMs.
    this.timer = setInterval(() => this.tick(Date.now()), (opts.tickMs ?? 250) / GROUPS);
  }

  /** Listeners connected now. */
  get size(): number {
    return this.listeners.size;
  }

  /** Takes a connection accepted on a stream port. */
  handle(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {}); // clients reset and vanish: that is their right
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.on('data', () => {}); // whatever else the client sends is ignored
      const target = head.slice(0, head.indexOf('\r\n')).split(' ')[1] ?? '/';
      this.respond(socket, target);
    };
    socket.on('data', onData);
  }

  private respond(socket: net.Socket, target: string): void {
    const { served } = this.opts;
    const counters = served.current;
    counters.streamConnections++;
    const path = target.split('?')[0]!;
    const bad = /^\/bad\/([a-z0-9-]+)\/(\d+)/.exec(path);
    const good = bad ? null : /^\/stream\/(\d+)/.exec(path);
    const station = this.opts.stations[Number((bad ? bad[2] : good?.[1]) ?? -1)];
    if (!station) return void this.finish(socket, counters, 'HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html><body>Not Found</body></html>', false);
    if (bad) return this.fault(socket, counters, station, bad[1] as StreamFault, target);
    this.start(socket, counters, station, station.kind.startsWith('ogg') ? 'ogg' : 'icy');
  }

  private fault(socket: net.Socket, counters: PhaseCounters, station: PlannedStream, fault: StreamFault, target: string): void {
    switch (fault) {
      case 'reset':
        socket.resetAndDestroy();
        return;
      case 'stall':
        socket.setTimeout(STALL_MS, () => socket.destroy());
        return;
      case 'garbage':
        return this.finish(socket, counters, GARBAGE);
      case '5xx':
        return this.finish(socket, counters, 'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\n<html><body>Server full</body></html>');
      case 'redirect-loop': {
        const hop = Number(/hop=(\d+)/.exec(target)?.[1] ?? 0) + 1;
        return this.finish(socket, counters, `HTTP/1.0 302 Found\r\nLocation: /bad/redirect-loop/${station.index}?hop=${hop}\r\n\r\n`);
      }
      case 'huge-meta':
        return this.start(socket, counters, station, 'junk-meta');
      case 'no-metadata':
        return this.start(socket, counters, station, 'plain');
    }
  }

  private finish(socket: net.Socket, counters: PhaseCounters, bytes: string | Buffer, fault = true): void {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    if (fault) counters.faultBytes += buf.length;
    else counters.streamBytes += buf.length;
    socket.end(buf);
  }

  private start(socket: net.Socket, counters: PhaseCounters, station: PlannedStream, flavour: Flavour): void {
    const now = Date.now();
    const shoutcast = station.kind === 'icy-shoutcast' || station.kind === 'icy-nostatus';
    const l: Listener = {
      socket, station, phase: this.opts.served.phase, counters, flavour,
      metaint: shoutcast || flavour === 'junk-meta' ? 8192 : 16000,
      left: 0, sentK: -1, stale: -1, latin1: station.kind === 'icy-shoutcast', startedAt: now, ahead: 0, sent: 0,
    };
    l.left = l.metaint;
    counters.streamsOpen++;
    this.listeners.add(l);
    const group = this.groups[this.joined++ % GROUPS]!;
    group.add(l);
    socket.on('close', () => {
      group.delete(l);
      if (this.listeners.delete(l)) counters.streamsOpen--;
    });
    const name = `icy-name: Station ${station.id}\r\nicy-genre: Various\r\nicy-br: ${this.opts.bitrateKbps ?? 128}\r\n`;
    const parts: Uint8Array[] = [];
    if (flavour === 'ogg') {
      const codec: OggCodec = station.kind === 'ogg-opus' ? 'opus' : 'vorbis';
      const k = this.opts.schedule.at(station.index, now).k;
      l.ogg = { codec, cursor: { serial: (0x4000 + station.index * 64 + (k % 64)) >>> 0, sequence: 0, granule: 0 } };
      parts.push(Buffer.from(`HTTP/1.0 200 OK\r\nContent-Type: ${codec === 'opus' ? 'audio/ogg' : 'application/ogg'}\r\n${name}Server: Icecast 2.4.4\r\nCache-Control: no-cache\r\n\r\n`, 'latin1'));
      parts.push(oggTrackStart(codec, this.opts.schedule.text(station.index, k), l.ogg.cursor));
      this.titleSent(l, k, now);
      l.sentK = k;
      l.ahead = 2 * OGG_AUDIO_PAGE;
    } else {
      const metaint = flavour === 'plain' ? '' : `icy-metaint: ${l.metaint}\r\n`;
      const fields = `Content-Type: audio/mpeg\r\n${name}${metaint}`;
      const status = station.kind === 'icy-shoutcast' ? 'ICY 200 OK\r\nicy-notice1: <BR>This stream requires Winamp<BR>\r\nicy-pub: 1\r\n' : station.kind === 'icy-nostatus' ? '' : 'HTTP/1.0 200 OK\r\nServer: Icecast 2.4.4\r\nCache-Control: no-cache\r\n';
      parts.push(Buffer.from(`${status}${fields}\r\n`, 'latin1'));
      if (station.kind === 'icy-icecast' && flavour === 'icy') {
        // Icecast's burst: 64 KiB of buffered audio. If the title changed within it (the last 4 s at
        // 128 kbit/s), its first block still names the previous title.
        const slot = this.opts.schedule.at(station.index, now);
        if (now - slot.startsAt < ICECAST_BURST / this.bytesPerMs) l.stale = slot.k - 1;
        l.ahead = ICECAST_BURST;
      } else {
        // SHOUTcast: one metaint of audio and the current title at once, then real time.
        l.ahead = l.metaint;
      }
    }
    this.write(l, now, parts);
  }

  /** Writes the due bytes of the next group of listeners: one corked write each. */
  tick(now: number): void {
    for (const l of this.groups[this.turn++ % GROUPS]!) {
      if (l.socket.writableLength > HIGH_WATER) {
        l.counters.skippedWrites++;
        // Real time goes on; what the listener did not take is dropped, not owed.
        l.startedAt += this.opts.tickMs ?? 250;
        continue;
      }
      this.write(l, now, []);
    }
  }

  private write(l: Listener, now: number, parts: Uint8Array[]): void {
    const due = Math.min(Math.floor((now - l.startedAt) * this.bytesPerMs) + l.ahead - l.sent, 4 * ICECAST_BURST);
    if (l.flavour === 'ogg') this.oggBytes(l, now, due, parts);
    else this.icyBytes(l, now, due, parts);
    if (parts.length === 0) return;
    const { socket } = l;
    if (socket.destroyed || socket.writableEnded) return;
    socket.cork();
    let bytes = 0;
    for (const p of parts) {
      bytes += p.length;
      socket.write(p);
    }
    socket.uncork();
    if (l.station.fault) l.counters.faultBytes += bytes;
    else l.counters.streamBytes += bytes;
  }

  private icyBytes(l: Listener, now: number, due: number, parts: Uint8Array[]): void {
    for (let rem = due; rem > 0; ) {
      const n = l.flavour === 'plain' ? Math.min(rem, AUDIO.length) : Math.min(rem, l.left, AUDIO.length);
      parts.push(AUDIO.subarray(0, n));
      rem -= n;
      l.sent += n;
      if (l.flavour === 'plain') continue;
      l.left -= n;
      if (l.left === 0) {
        parts.push(this.metaBlock(l, now));
        l.left = l.metaint;
      }
    }
  }

  private metaBlock(l: Listener, now: number): Uint8Array {
    if (l.flavour === 'junk-meta') return JUNK_BLOCK;
    const s = l.station.index;
    if (l.stale >= 0) {
      const k = l.stale;
      l.stale = -1;
      l.sentK = k;
      l.counters.titleBlocks++;
      return this.encode(l, k);
    }
    const k = this.opts.schedule.at(s, now).k;
    if (k === l.sentK) return NO_CHANGE;
    l.sentK = k;
    this.titleSent(l, k, now);
    return this.titleBlock(l, k);
  }

  private titleSent(l: Listener, k: number, now: number): void {
    l.counters.titleBlocks++;
    this.opts.served.servedTo(l.phase, l.station.index, k, now);
  }

  /** The block of the current title, made once per station and title. */
  private titleBlock(l: Listener, k: number): Uint8Array {
    const cached = this.blocks.get(l.station.index);
    if (cached?.k === k) return cached.block;
    const block = this.encode(l, k);
    this.blocks.set(l.station.index, { k, block });
    return block;
  }

  private encode(l: Listener, k: number): Uint8Array {
    const text = this.opts.schedule.text(l.station.index, k) ?? '';
    return icyBlock(l.latin1 ? Buffer.from(text, 'latin1') : text);
  }

  private oggBytes(l: Listener, now: number, due: number, parts: Uint8Array[]): void {
    const ogg = l.ogg!;
    const k = this.opts.schedule.at(l.station.index, now).k;
    if (k !== l.sentK) {
      parts.push(oggNextTrack(ogg.codec, this.opts.schedule.text(l.station.index, k), ogg.cursor));
      this.titleSent(l, k, now);
      l.sentK = k;
    }
    for (let rem = due; rem >= OGG_AUDIO_PAGE; rem -= OGG_AUDIO_PAGE) {
      parts.push(oggAudioPage(ogg.cursor));
      l.sent += OGG_AUDIO_PAGE;
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const socket of this.sockets) socket.destroy();
  }
}
