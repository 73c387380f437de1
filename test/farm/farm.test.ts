// The station farm itself: its title schedule is a pure, deterministic function; its plan covers every
// format; its scorer counts what it should; its well-behaved stations serve the scheduled titles in every
// format onair reads; and each misbehaving station misbehaves the way it says. No timing assertions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Client, request } from 'undici';
import { readStreamSnapshot } from '../../src/fetch/stream/reader.ts';
import { feedParsers, feedReader } from '../../src/parse/index.ts';
import { normalizeNowPlaying } from '../../src/parse/normalize.ts';
import type { FeedConfig } from '../../src/stations/schema.ts';
import { oggCrc } from '../helpers/ogg-pages.ts';
import { waitFor } from '../helpers/wait.ts';
import { startFarm, type Farm } from './farm.ts';
import { FARM_KINDS } from './feed-farm.ts';
import { oggAudioPage } from './ogg-audio.ts';
import { FEED_FAULTS, planFarm, STREAM_FAULTS, STREAM_KINDS, type PlannedStation } from './plan.ts';
import { Schedule, SILENCE_EVERY, titleIndexOf } from './schedule.ts';
import { scoreCrawl } from './score.ts';

const EPOCH = Date.parse('2026-11-28T10:00:00.000Z');

describe('the title schedule', () => {
  const schedule = new Schedule({ seed: 7, changeEveryMs: 30_000, epochMs: EPOCH }, 50);

  it('gives the same titles for the same seed, station and time, and other titles for another seed', () => {
    const again = new Schedule({ seed: 7, changeEveryMs: 30_000, epochMs: EPOCH }, 50);
    const other = new Schedule({ seed: 8, changeEveryMs: 30_000, epochMs: EPOCH }, 50);
    for (let s = 0; s < 50; s++) {
      const t = EPOCH + s * 12_345;
      expect(again.at(s, t)).toEqual(schedule.at(s, t));
      expect(again.text(s, schedule.at(s, t).k)).toBe(schedule.text(s, schedule.at(s, t).k));
    }
    const differs = Array.from({ length: 50 }, (_, s) => other.at(s, EPOCH).startsAt !== schedule.at(s, EPOCH).startsAt);
    expect(differs.filter(Boolean).length).toBeGreaterThan(40);
  });

  it('plays titles back to back, each 0.75 to 1.25 times the change period, numbered in order', () => {
    for (let s = 0; s < 50; s++) {
      const slots = schedule.slots(s, EPOCH, EPOCH + 3_600_000);
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        expect(slot.endsAt - slot.startsAt).toBeGreaterThanOrEqual(22_500);
        expect(slot.endsAt - slot.startsAt).toBeLessThanOrEqual(37_500);
        expect(schedule.at(s, slot.startsAt)).toEqual(slot);
        expect(schedule.at(s, slot.endsAt - 1)).toEqual(slot);
        expect(schedule.slot(s, slot.k)).toEqual(slot);
        if (i > 0) {
          expect(slot.k).toBe(slots[i - 1]!.k + 1);
          expect(slot.startsAt).toBe(slots[i - 1]!.endsAt);
        }
      }
    }
  });

  it('spreads the changes of different stations over time', () => {
    const starts = Array.from({ length: 50 }, (_, s) => (schedule.at(s, EPOCH + 3_600_000).startsAt - EPOCH) % 30_000);
    expect(new Set(starts.map((t) => Math.floor(t / 3_000))).size).toBeGreaterThan(6);
  });

  it('makes every eleventh title silence and every other title a Latin-1 "Artist - Title #k"', () => {
    for (let k = 0; k < 200; k++) {
      const text = schedule.text(3, k);
      if (k % SILENCE_EVERY === SILENCE_EVERY - 1) expect(text).toBeNull();
      else {
        expect(text).toMatch(/^.+ - .+ #\d+$/);
        expect(titleIndexOf(text!)).toBe(k);
        expect(Buffer.from(text!, 'latin1').toString('latin1')).toBe(text);
        // What onair records is the text itself: normalisation leaves it alone.
        expect(normalizeNowPlaying({ raw: text!, artist: null, title: null })?.raw).toBe(text);
      }
    }
  });
});

describe('the farm plan', () => {
  it('is the same for the same options and covers every format in the mixed scenario', () => {
    const plan = planFarm({ stations: 400, scenario: 'mixed', badShare: 0.1 });
    expect(planFarm({ stations: 400, scenario: 'mixed', badShare: 0.1 })).toEqual(plan);
    const feeds = plan.filter((p) => p.type === 'feed');
    const streams = plan.filter((p) => p.type === 'stream');
    expect(new Set(feeds.map((p) => p.kind))).toEqual(new Set(FARM_KINDS));
    expect(new Set(streams.map((p) => p.kind))).toEqual(new Set(STREAM_KINDS));
    expect(new Set(streams.map((p) => p.type === 'stream' && p.mode))).toEqual(new Set(['live', 'snapshot']));
    expect(new Set(plan.map((p) => p.id)).size).toBe(400);
    const bad = plan.filter((p) => p.fault).length;
    expect(bad).toBeGreaterThan(20);
    expect(bad).toBeLessThan(60);
  });

  it('puts many mounts on one simulated Icecast server and spreads servers over addresses', () => {
    const plan = planFarm({ stations: 2_000, scenario: 'feeds', hosts: 50, mountsPerServer: 10 });
    const icecast = plan.filter((p) => p.kind === 'icecast-json');
    const servers = new Map<number, PlannedStation[]>();
    for (const p of icecast) servers.set(p.server, [...(servers.get(p.server) ?? []), p]);
    expect(Math.max(...[...servers.values()].map((g) => g.length))).toBe(10);
    for (const g of servers.values()) expect(new Set(g.map((p) => p.address)).size).toBe(1);
    expect(new Set(plan.map((p) => p.address)).size).toBe(50);
  });
});

describe('scoring a crawl', () => {
  const plan = planFarm({ stations: 20, scenario: 'feeds', badShare: 0 });
  const schedule = new Schedule({ seed: 1, changeEveryMs: 10_000, epochMs: EPOCH }, plan.length);
  const window = { from: EPOCH + 20_000, to: EPOCH + 120_000 };
  /** Every title on air in the window, recorded one second after it started. */
  const perfect = plan.flatMap((p) =>
    schedule.slots(p.index, window.from - 30_000, window.to).flatMap((slot) => {
      const raw = schedule.text(p.index, slot.k);
      return raw && slot.startsAt + 1_000 < window.to ? [{ station: p.id, raw, at: Math.max(slot.startsAt, window.from - 30_000) + 1_000 }] : [];
    }),
  );

  it('finds every expected title in a perfect record, with its delay', () => {
    const score = scoreCrawl(schedule, plan, perfect, window);
    expect(score.expected).toBeGreaterThan(100);
    expect(score).toMatchObject({ recorded: score.expected, recall: 1, recordedTwice: 0, garbled: 0, outOfOrder: 0, fromBadStations: 0 });
    expect(score.latencyMs.p50).toBe(1_000);
  });

  it('counts a title recorded twice, a garbled one, a stale one and a missing one', () => {
    const [first, second, third, ...rest] = perfect;
    const records = [
      first!, { ...first!, at: first!.at + 5 },
      { ...second!, raw: second!.raw.replace(/[^\x20-\x7e]/g, '?') + ' x' },
      third!, { ...third!, raw: schedule.text(plan.find((p) => p.id === third!.station)!.index, 0) ?? 'x', at: third!.at + 1 },
      ...rest.slice(1),
    ];
    const score = scoreCrawl(schedule, plan, records, window);
    expect(score.recordedTwice).toBe(1);
    expect(score.garbled).toBe(1);
    expect(score.outOfOrder).toBeGreaterThanOrEqual(1);
    expect(score.recorded).toBeLessThan(score.expected);
  });
});

describe('a running farm', () => {
  let farm: Farm;
  let stations: Record<string, unknown>[];
  const byFault = new Map<string, PlannedStation>();

  beforeAll(async () => {
    // One title all along (an hour per title), so what each request gets does not depend on when it runs.
    farm = await startFarm({ stations: 700, scenario: 'mixed', badShare: 0.2, hosts: 4, changeEverySeconds: 3_600, intervalSeconds: 10 });
    stations = farm.stationsFile().stations;
    for (const p of farm.plan) if (p.fault && !byFault.has(`${p.type}:${p.fault}`)) byFault.set(`${p.type}:${p.fault}`, p);
  });
  afterAll(() => farm?.close());

  const entry = (p: PlannedStation) => stations[p.index] as { feed?: FeedConfig; stream?: { url: string } };
  const expectedText = (p: PlannedStation) => farm.schedule.text(p.index, farm.schedule.at(p.index, Date.now()).k);

  it('plays every misbehaviour', () => {
    for (const f of FEED_FAULTS) expect(byFault.has(`feed:${f}`), f).toBe(true);
    for (const f of STREAM_FAULTS) expect(byFault.has(`stream:${f}`), f).toBe(true);
  });

  it('serves the scheduled title in every feed format, read by onair\'s own parsers', async () => {
    for (const kind of FARM_KINDS) {
      const p = farm.plan.find((s) => s.type === 'feed' && s.kind === kind && !s.fault && farm.schedule.song(s.index, farm.schedule.at(s.index, Date.now()).k))!;
      const feed = entry(p).feed!;
      const url = new URL(feed.url);
      const headers: Record<string, string> = url.username ? { authorization: `Basic ${Buffer.from(`${url.username}:${url.password}`).toString('base64')}` } : {};
      url.username = url.password = '';
      const res = await request(url, { headers });
      expect(res.statusCode, kind).toBe(200);
      const parser = feedParsers[feed.format];
      const np = feedReader(feed).pick(parser.decode(new Uint8Array(await res.body.arrayBuffer()), res.headers['content-type'] as string));
      expect(normalizeNowPlaying(np!)?.raw, kind).toBe(expectedText(p));
    }
  });

  const goodFeed = (kind: string) => farm.plan.find((s) => s.type === 'feed' && s.kind === kind && !s.fault)!;
  /** The feed URL without credentials, and the basic auth they make. */
  const target = (p: PlannedStation) => {
    const url = new URL(entry(p).feed!.url);
    const authorization = url.username ? `Basic ${Buffer.from(`${url.username}:${url.password}`).toString('base64')}` : undefined;
    url.username = url.password = '';
    return { url, authorization };
  };

  it('answers Icecast and SHOUTcast v1 pages as those servers do: HTTP/1.0, Connection: Close, no validators, a new connection each', async () => {
    for (const kind of ['icecast-json', 'icecast-xml', 'shoutcast-v1']) {
      const { url, authorization } = target(goodFeed(kind));
      const before = { ...farm.served.current };
      for (let i = 0; i < 2; i++) {
        // An HTTP/1.1 request that would keep the connection: the server closes it all the same.
        const answer = (await rawRequest(url, authorization)).toString('latin1');
        const head = answer.slice(0, answer.indexOf('\r\n\r\n'));
        expect(head, kind).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
        expect(head, kind).toMatch(/\r\nConnection: Close\r\n/);
        expect(head, kind).toMatch(/\r\nCache-Control: no-cache, no-store\r\n/);
        expect(head, kind).not.toMatch(/\r\n(etag|last-modified):/i);
        expect(answer.length - head.length - 4, kind).toBe(Number(/\r\nContent-Length: (\d+)/.exec(head)![1]));
      }
      expect(farm.served.current.feedConnections - before.feedConnections, kind).toBe(2);
      expect(farm.served.current.feedRequests - before.feedRequests, kind).toBe(2);
    }
  });

  it('keeps the connection for SHOUTcast v2 and the stations\' own feeds; only the own feeds carry an ETag and answer 304', async () => {
    for (const kind of ['shoutcast-v2', 'shoutcast-v2-statistics', 'somafm-xml', 'azuracast-json']) {
      const { url } = target(goodFeed(kind));
      const client = new Client(url.origin, { pipelining: 1 });
      try {
        const before = { ...farm.served.current };
        const first = await client.request({ path: url.pathname + url.search, method: 'GET' });
        await first.body.dump();
        expect(first.statusCode, kind).toBe(200);
        const etag = first.headers.etag as string | undefined;
        expect(etag !== undefined, kind).toBe(kind === 'somafm-xml' || kind === 'azuracast-json');
        expect(first.headers['last-modified'], kind).toBeUndefined();
        const again = await client.request({ path: url.pathname + url.search, method: 'GET', headers: etag ? { 'if-none-match': etag } : {} });
        await again.body.dump();
        expect(again.statusCode, kind).toBe(etag ? 304 : 200);
        expect(farm.served.current.feedConnections - before.feedConnections, kind).toBe(1);
        expect(farm.served.current.feedRequests - before.feedRequests, kind).toBe(2);
        expect(farm.served.current.notModified - before.notModified, kind).toBe(etag ? 1 : 0);
      } finally {
        await client.close();
      }
    }
  });

  it('streams the current title in every stream flavour, read by onair\'s reader', async () => {
    for (const kind of STREAM_KINDS) {
      const p = farm.plan.find((s) => s.type === 'stream' && s.kind === kind && !s.fault && farm.schedule.song(s.index, farm.schedule.at(s.index, Date.now()).k))!;
      const snap = await readStreamSnapshot(entry(p).stream!.url);
      expect(snap.title?.raw, kind).toBe(expectedText(p));
    }
  });

  it('sends each kind of stream head as real servers do', async () => {
    const heads: Record<string, RegExp> = { 'icy-icecast': /^HTTP\/1\.0 200 OK\r\n/, 'icy-shoutcast': /^ICY 200 OK\r\n/, 'icy-nostatus': /^Content-Type: audio\/mpeg\r\n/, 'ogg-vorbis': /^HTTP\/1\.0 200 OK\r\nContent-Type: application\/ogg/ };
    for (const [kind, head] of Object.entries(heads)) {
      const p = farm.plan.find((s) => s.kind === kind && !s.fault)!;
      const bytes = await rawGet(entry(p).stream!.url, 4_000);
      expect(bytes.toString('latin1'), kind).toMatch(head);
    }
  });

  it('writes SHOUTcast titles as Latin-1 bytes', async () => {
    const p = farm.plan.find((s) => s.kind === 'icy-shoutcast' && !s.fault && /[^\x00-\x7f]/.test(expectedText(s) ?? ''))!;
    const bytes = await rawGet(entry(p).stream!.url, 9_000);
    expect(bytes.includes(Buffer.from(`StreamTitle='${expectedText(p)}'`, 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from(expectedText(p)!, 'utf8'))).toBe(false);
  });

  it('builds Ogg audio pages with a correct CRC', () => {
    const cursor = { serial: 0x1234, sequence: 5, granule: 0 };
    for (let i = 0; i < 3; i++) {
      const page = oggAudioPage(cursor);
      const crc = page.readUInt32LE(22);
      page.writeUInt32LE(0, 22);
      expect(crc).toBe(oggCrc(page));
      expect(page.readUInt32LE(18)).toBe(5 + i);
    }
  });

  describe('misbehaving feeds', () => {
    const feedOf = (fault: string) => entry(byFault.get(`feed:${fault}`)!).feed!;
    const get = (fault: string) => request(feedOf(fault).url, { maxRedirections: 0 } as object);

    it('reset: the connection is reset without an answer', async () => {
      await expect(get('reset')).rejects.toThrow(/ECONNRESET|socket|closed/i);
    });

    it('5xx: answers 503', async () => {
      const res = await get('5xx');
      await res.body.dump();
      expect(res.statusCode).toBe(503);
    });

    it('redirect-loop: redirects to itself, one hop further each time', async () => {
      const res = await get('redirect-loop');
      await res.body.dump();
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toMatch(/^\/bad\/redirect-loop\/\d+\/status\?hop=1$/);
      const next = await request(new URL(res.headers.location as string, feedOf('redirect-loop').url));
      await next.body.dump();
      expect(next.headers.location).toMatch(/hop=2$/);
    });

    it('garbage: answers 200 with bytes that are not the format', async () => {
      const p = byFault.get('feed:garbage')!;
      const res = await get('garbage');
      const body = new Uint8Array(await res.body.arrayBuffer());
      expect(res.statusCode).toBe(200);
      const parser = feedParsers[feedOf('garbage').format];
      expect(() => feedReader(feedOf('garbage')).pick(parser.decode(body)), p.kind).toThrow();
    });

    it('huge: sends a body past onair\'s 1 MiB cap', async () => {
      const res = await get('huge');
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > 1024 * 1024) break;
      }
      res.body.destroy();
      expect(size).toBeGreaterThan(1024 * 1024);
    });

    it('bomb: sends a document built to blow up a parser, which onair refuses', async () => {
      const res = await get('bomb');
      const body = await res.body.text();
      expect(body).toMatch(/<!DOCTYPE|^\[{1000}|(<b>){1000}/);
    });

    it('stall: takes the request and never answers', async () => {
      const before = farm.stats().phases.idle!.feedRequests;
      const url = new URL(feedOf('stall').url);
      const socket = net.connect(Number(url.port), url.hostname);
      let received = 0;
      socket.on('data', (d) => (received += d.length));
      socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      await waitFor(() => farm.stats().phases.idle!.feedRequests > before, { what: 'the farm to take the stalled feed request' });
      await expectNothingBeforeClose(socket, () => received);
    });
  });

  describe('misbehaving streams', () => {
    const urlOf = (fault: string) => entry(byFault.get(`stream:${fault}`)!).stream!.url;

    it('reset: the connection is reset', async () => {
      await expect(rawGet(urlOf('reset'), 1)).rejects.toThrow(/ECONNRESET/);
    });

    it('5xx and redirect-loop: answer 503, and 302 to themselves', async () => {
      expect((await rawGet(urlOf('5xx'), 100)).toString('latin1')).toMatch(/^HTTP\/1\.0 503 /);
      const redirect = (await rawGet(urlOf('redirect-loop'), 200)).toString('latin1');
      expect(redirect).toMatch(/^HTTP\/1\.0 302 Found\r\nLocation: \/bad\/redirect-loop\/\d+\?hop=1\r\n/);
    });

    it('garbage: answers with bytes that are no head at all', async () => {
      const bytes = await rawGet(urlOf('garbage'), 1_000);
      expect(bytes.toString('latin1')).not.toMatch(/^(HTTP|ICY)/);
    });

    it('huge-meta: sends 4 KiB metadata blocks with no StreamTitle', async () => {
      const bytes = await rawGet(urlOf('huge-meta'), 13_000);
      const head = bytes.indexOf('\r\n\r\n') + 4;
      expect(bytes.subarray(0, head).toString('latin1')).toMatch(/icy-metaint: 8192/);
      expect(bytes[head + 8192]).toBe(255);
      expect(bytes.subarray(head + 8193, head + 8193 + 4080).toString('latin1')).not.toContain('StreamTitle');
    });

    it('no-metadata: streams audio without icy-metaint', async () => {
      const text = (await rawGet(urlOf('no-metadata'), 2_000)).toString('latin1');
      expect(text).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
      expect(text.slice(0, text.indexOf('\r\n\r\n'))).not.toMatch(/icy-metaint/i);
    });

    it('stall: takes the request and sends nothing', async () => {
      const url = new URL(urlOf('stall'));
      const before = farm.stats().phases.idle!.streamConnections;
      const socket = net.connect(Number(url.port), url.hostname);
      let received = 0;
      socket.on('data', (d) => (received += d.length));
      socket.write(`GET ${url.pathname} HTTP/1.0\r\nIcy-MetaData: 1\r\n\r\n`);
      await waitFor(() => farm.stats().phases.idle!.streamConnections > before, { what: 'the farm to take the stalled stream request' });
      await expectNothingBeforeClose(socket, () => received);
    });
  });
});

describe('an Icecast mount whose title just changed', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await startFarm({ stations: 200, scenario: 'streams-live', badShare: 0, hosts: 2, changeEverySeconds: 8 });
  });
  afterAll(() => farm?.close());

  it('replays the previous title in the first block of its connect burst, as Icecast does', async () => {
    // A mount whose title started under 2 s ago and has over 2 s to go: both titles are in the burst.
    const now = Date.now();
    const p = farm.plan.find((s) => {
      const slot = farm.schedule.at(s.index, now);
      return s.kind === 'icy-icecast' && now - slot.startsAt < 2_000 && slot.endsAt - now > 2_000 && farm.schedule.text(s.index, slot.k - 1) && farm.schedule.text(s.index, slot.k);
    })!;
    const k = farm.schedule.at(p.index, now).k;
    const bytes = await rawGet((farm.stationsFile().stations[p.index] as { stream: { url: string } }).stream.url, 40_000);
    const previous = bytes.indexOf(`StreamTitle='${farm.schedule.text(p.index, k - 1)}'`);
    const current = bytes.indexOf(`StreamTitle='${farm.schedule.text(p.index, k)}'`);
    expect(previous).toBeGreaterThan(16_000);
    expect(current).toBeGreaterThan(previous + 16_000);
  });
});

describe('a farm holding all the feed connections it may', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await startFarm({ stations: 20, scenario: 'feeds', badShare: 0, hosts: 1, maxFeedConnections: 2 });
  });
  afterAll(() => farm?.close());

  it('closes new feed connections at once, and still answers on its control port', async () => {
    const origin = new URL((farm.stationsFile().stations[0] as { feed: { url: string } }).feed.url);
    const connect = () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(Number(origin.port), origin.hostname, () => resolve(socket));
        socket.on('error', reject);
      });
    const held = [await connect(), await connect()];
    await waitFor(() => farm.stats().phases.idle!.feedConnections === 2, { what: 'the farm to take two feed connections' });
    const turnedAway = await connect();
    let closed = false;
    turnedAway.on('close', () => (closed = true));
    await waitFor(() => closed, { what: 'the farm to close a third feed connection' });
    expect(farm.stats().phases.idle!.refusedConnections).toBe(1);
    const res = await fetch(`${farm.control}/_farm/stats`);
    expect(((await res.json()) as { phases: Record<string, { refusedConnections: number }> }).phases.idle!.refusedConnections).toBe(1);
    for (const socket of held) socket.destroy();
  });
});

/**
 * Hangs up (half-closes) a socket the farm has taken a request on and waits for the farm to close its end:
 * TCP delivers in order, so anything the farm had sent arrives before that close, and nothing may have.
 * This proves "sent nothing" without counting event-loop turns or waiting a quiet period.
 */
async function expectNothingBeforeClose(socket: net.Socket, received: () => number): Promise<void> {
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  socket.end();
  await waitFor(() => closed, { what: 'the farm to close a stalled connection the client hung up on' });
  expect(received()).toBe(0);
}

/** One HTTP/1.1 GET on a raw socket, read until the server closes it: the answer as it came, head and all. */
function rawRequest(url: URL, authorization: string | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => (socket.destroy(), resolve(Buffer.concat(chunks))));
    socket.on('error', reject);
    socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: Mozilla/5.0 farm-test\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`);
  });
}

/** The first `n` bytes a stream URL answers with (fewer if it closes first). */
function rawGet(url: string, n: number): Promise<Buffer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).subarray(0, n));
    };
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size >= n) done();
    });
    socket.on('end', done);
    socket.on('error', (err) => (size > 0 ? done() : reject(err)));
    socket.write(`GET ${u.pathname}${u.search} HTTP/1.0\r\nIcy-MetaData: 1\r\nUser-Agent: farm-test\r\n\r\n`);
  });
}
