// Soak, time-compressed: thousands of rounds (300 in quick mode) of the real crawler on a manual clock
// over farm stations whose songs change, stream stations read by snapshot, and stations that flap between
// healthy and failing (503, reset, garbage, a head and no body, silence) and recover. Memory, sockets, file
// descriptors, the scheduler's queue and the clock's timers must stay flat; at the end each station's
// health record says what it last did, and every station recorded its songs once, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { seededRandom } from '../../src/clock.ts';
import { HEALTH_REFRESH_MS } from '../../src/store/write-queue.ts';
import { startFeedFarm, type FeedFarm } from '../farm/feed-farm.ts';
import { startTestCrawl, type TestCrawl } from '../helpers/crawl.ts';
import { startIcyServer, type IcyServer } from '../helpers/icy-server.ts';
import { openFds, openSockets, sized } from '../faults/mode.ts';
import { readAll } from '../../src/store/contract.ts';

const ROUNDS = sized(300, 3000);
/** The last rounds hold every flapping station in its final state, long enough for backoff to run out. */
const FINAL_ROUNDS = 40;
const MB = 1024 * 1024;

type Mode = 'ok' | '503' | 'reset' | 'garbage' | 'head-only' | 'silent';
const FAULT_MODES: Mode[] = ['503', 'reset', 'garbage', 'head-only', 'silent'];
const FAULT_CODE: Record<Exclude<Mode, 'ok'>, RegExp> = {
  '503': /^ONAIR_HTTP_STATUS: HTTP 503/,
  reset: /^(ECONNRESET|UND_ERR_SOCKET)\b/,
  garbage: /^ONAIR_PARSE\b/,
  'head-only': /^(ECONNRESET|UND_ERR_SOCKET)\b/,
  silent: /^ONAIR_(HEADERS_TIMEOUT|TIMEOUT)\b/,
};

/** Stations that flap: a SHOUTcast v2 stats page each, answered per the mode the test sets. */
interface FlapServer {
  origin: string;
  mode: Map<string, Mode>;
  song: Map<string, string>;
  close(): Promise<void>;
}

async function startFlapServer(): Promise<FlapServer> {
  const mode = new Map<string, Mode>();
  const song = new Map<string, string>();
  const silent = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const id = /^\/flap\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
    const m = mode.get(id) ?? 'ok';
    switch (m) {
      case 'ok': {
        const body = `<?xml version="1.0" encoding="UTF-8"?><SHOUTCASTSERVER><STREAMSTATUS>1</STREAMSTATUS><SONGTITLE>${song.get(id) ?? ''}</SONGTITLE></SHOUTCASTSERVER>`;
        return void res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) }).end(body);
      }
      case '503':
        return void res.writeHead(503).end('busy');
      case 'reset':
        return void req.socket.resetAndDestroy();
      case 'garbage':
        return void res.writeHead(200, { 'content-type': 'text/xml' }).end(Buffer.from([0x3c, 0x00, 0xff, 0x3c, 0x3c, 0x21, 0x2d]));
      case 'head-only':
        res.writeHead(200, { 'content-type': 'text/xml', 'content-length': 500 });
        res.flushHeaders();
        return void setImmediate(() => req.socket.destroy());
      case 'silent':
        silent.add(res);
        res.on('close', () => silent.delete(res));
        return;
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode,
    song,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A garbage collector to call between measurements (the flag can be turned on at run time). */
function collector(): () => void {
  v8.setFlagsFromString('--expose_gc');
  const gc = vm.runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

describe('a time-compressed soak', () => {
  let farm: FeedFarm;
  let flap: FlapServer;
  let icy: IcyServer;
  let crawl: TestCrawl;
  const random = seededRandom(42);
  /** Every song each station served, in order (songs never repeat on a station). */
  const served = new Map<string, string[]>();
  const serve = (id: string, raw: string) => {
    const list = served.get(id) ?? [];
    if (list.at(-1) !== raw) served.set(id, [...list, raw]);
  };
  const FLAPPERS = ['flap-a', 'flap-b', 'flap-c', 'flap-d', 'flap-e', 'flap-f'];
  /** Final state of each flapper: the first half recover, the others end on a fault each. */
  const finalMode = new Map<string, Mode>(FLAPPERS.map((id, i) => [id, (['ok', 'ok', 'ok', 'head-only', 'garbage', '503'] as const)[i]!]));
  const STREAMS = ['/s1', '/s2'];
  const figures = { rounds: 0, polls: 0, heapStartMb: 0, heapEndMb: 0, rssPeakMb: 0 };

  beforeAll(async () => {
    farm = await startFeedFarm({ stations: 14, mountsPerServer: 2 });
    flap = await startFlapServer();
    // Icecast-like connect burst of 64 KiB: the reader has its title without waiting for a pause.
    icy = await startIcyServer(Object.fromEntries(STREAMS.map((p) => [p, { head: 'http', metaint: 8000, burst: 1, titles: [`Stream ${p} - 0`] }])));
    const stations = [
      ...farm.stations.map((s) => farm.stationEntry(s)),
      ...FLAPPERS.map((id) => ({ id, feed: { url: `${flap.origin}/flap/${id}?sid=1`, format: 'shoutcast-v2' } })),
      ...STREAMS.map((p) => ({ id: `stream${p.replace('/', '-')}`, stream: { url: icy.url(p), mode: 'snapshot' } })),
    ];
    // Real-time timeouts, short so a silent flapper costs little, yet the same as the fault suite's: a healthy
    // poll over loopback must never hit them, also on a busy machine (150 ms for a head was close to that).
    crawl = await startTestCrawl(stations, {
      http: { connectTimeoutMs: 500, headersTimeoutMs: 500, totalTimeoutMs: 1_500 },
      backoffCapMs: 60_000,
    });
  });

  afterAll(async () => {
    await crawl?.stop();
    await Promise.all([farm?.close(), flap?.close(), icy?.close()]);
    console.log(
      `soak: ${figures.rounds} rounds, ${figures.polls} polls; heap after GC ${figures.heapStartMb.toFixed(1)} -> ${figures.heapEndMb.toFixed(1)} MB; peak rss ${figures.rssPeakMb.toFixed(0)} MB`,
    );
  });

  it(
    `keeps memory, sockets, descriptors and the queue flat over ${ROUNDS} rounds, and every station's record right`,
    async () => {
      const gc = collector();
      const counters = new Map<string, number>();
      const next = (id: string) => {
        const n = (counters.get(id) ?? 0) + 1;
        counters.set(id, n);
        return n;
      };
      // Half the flips recover; silence (a poll that waits for its timeout, in real time) stays rare.
      const pickMode = (): Mode => (random() < 0.5 ? 'ok' : random() < 0.1 ? 'silent' : FAULT_MODES.filter((m) => m !== 'silent')[Math.floor(random() * 4)]!);
      let checkpoint: { heap: number; sockets: number; fds: number; timers: number } | undefined;
      const queueOf = (c: TestCrawl) => (c.crawler.scheduler as unknown as { queue: { size: number; heap: unknown[] } }).queue;

      for (let r = 0; r < ROUNDS; r++) {
        // Farm stations change every 1-3 rounds.
        farm.stations.forEach((s, i) => {
          if (r % (1 + (i % 3)) !== 0) return;
          const song = { artist: `Artist ${s.id}`, title: `Song ${next(s.id)}` };
          farm.setSong(s.id, song);
          serve(s.id, `${song.artist} - ${song.title}`);
        });
        // Flappers: a new song every other round; a new mode now and then, their final one at the end.
        const final = r >= ROUNDS - FINAL_ROUNDS;
        for (const id of FLAPPERS) {
          if (r % 2 === 0) {
            const raw = `Flap ${id} - Song ${next(id)}`;
            flap.song.set(id, raw);
          }
          // Silence lasts one round: each silent poll costs its timeout in real time.
          const previous = flap.mode.get(id) === 'silent' ? 'ok' : (flap.mode.get(id) ?? 'ok');
          const mode = final ? finalMode.get(id)! : random() < 0.15 ? pickMode() : previous;
          flap.mode.set(id, mode);
          // What a poll this round can see: the song, when the station answers.
          if (mode === 'ok') serve(id, flap.song.get(id)!);
        }
        if (r % 5 === 0) {
          for (const p of STREAMS) {
            const raw = `Stream ${p} - ${next(p)}`;
            icy.setTitle(p, raw);
            serve(`stream${p.replace('/', '-')}`, raw);
          }
        }
        await crawl.round(10_000);
        figures.rssPeakMb = Math.max(figures.rssPeakMb, process.memoryUsage().rss / MB);

        const queue = queueOf(crawl);
        expect(queue.size, `round ${r}: queued tasks`).toBeLessThanOrEqual(crawl.crawler.scheduler.size);
        expect(queue.heap.length, `round ${r}: heap entries`).toBeLessThanOrEqual(2 * crawl.crawler.scheduler.size + 64);
        if (r === Math.floor(ROUNDS / 3)) {
          gc();
          checkpoint = { heap: process.memoryUsage().heapUsed, sockets: openSockets(), fds: await openFds(), timers: crawl.clock.pending() };
          figures.heapStartMb = checkpoint.heap / MB;
        }
      }
      figures.rounds = ROUNDS;
      figures.polls = crawl.crawler.pipeline.stats.polls;

      gc();
      const end = { heap: process.memoryUsage().heapUsed, sockets: openSockets(), fds: await openFds(), timers: crawl.clock.pending() };
      figures.heapEndMb = end.heap / MB;
      expect(end.heap - checkpoint!.heap, 'heap growth after GC, from a third of the way to the end').toBeLessThan(16 * MB);
      // Keep-alive pools come and go with the flappers; a leak would grow with the rounds, far past this.
      expect(end.sockets, 'open sockets').toBeLessThanOrEqual(checkpoint!.sockets + 12);
      if (end.fds >= 0) expect(end.fds, 'open file descriptors').toBeLessThanOrEqual(checkpoint!.fds + 12);
      expect(end.timers, 'clock timers waiting').toBeLessThanOrEqual(checkpoint!.timers + 2);

      // Every station recorded its songs in the order served, never one twice in a row.
      const health = new Map((await crawl.crawler.store.nowPlaying()).map((r) => [r.station.station, r]));
      for (const [id, songs] of served) {
        const raws = (await readAll(crawl.crawler.store.history({ stations: [id] }))).map((p) => p.raw);
        let at = -1;
        for (const raw of raws) {
          const i = songs.indexOf(raw, at + 1);
          expect(i, `${id}: "${raw}" out of order or twice`).toBeGreaterThan(at);
          at = i;
        }
        if (!id.startsWith('flap-')) {
          // Always healthy: each change seen (farm changes last at least one round).
          expect(raws, id).toEqual(songs);
          expect(health.get(id)!.station.consecutiveFailures, id).toBe(0);
        }
      }

      // The health record of each flapper says how it ended.
      for (const id of FLAPPERS) {
        const row = health.get(id)!;
        const mode = finalMode.get(id)!;
        if (mode === 'ok') {
          expect(row.station.consecutiveFailures, `${id}: ${row.station.lastError}`).toBe(0);
          expect(row.station.lastSuccessAt, id).toBeGreaterThan(crawl.clock.now() - HEALTH_REFRESH_MS - 2 * 10_000);
          expect(row.play?.raw, id).toBe(flap.song.get(id));
          expect(crawl.crawler.scheduler.failuresOf(id)).toBe(0);
        } else {
          expect(row.station.consecutiveFailures, id).toBeGreaterThanOrEqual(1);
          expect(row.station.lastError, id).toMatch(FAULT_CODE[mode]);
          expect(row.station.lastErrorAt!, id).toBeGreaterThan(crawl.clock.now() - FINAL_ROUNDS * 10_000);
          expect(crawl.crawler.scheduler.failuresOf(id)).toBeGreaterThanOrEqual(1);
        }
      }
    },
    sized(120_000, 900_000),
  );
});
