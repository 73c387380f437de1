// The fault suite: one misbehaving station per test, crawled by the real crawler (manual clock, real
// sockets, real SQLite) next to healthy farm stations of every feed format. Each test shows that only the
// faulty station pays: its health names the fault, every healthy station's changes are recorded, memory
// stays bounded, the sockets go back to their baseline and nothing rejects unhandled.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFeedFarm, type FeedFarm } from '../farm/feed-farm.ts';
import { startTestCrawl, type TestCrawl } from '../helpers/crawl.ts';
import { startIcyServer } from '../helpers/icy-server.ts';
import { HUGE_BYTES, LONG_TITLE, startFaultServer, type Fault, type FaultServer } from './fault-server.ts';
import { memorySampler, openSockets } from './mode.ts';
import { waitFor } from '../helpers/wait.ts';
import { readAll } from '../../src/store/contract.ts';

const ROUNDS = 3;
const HTTP = { connectTimeoutMs: 500, headersTimeoutMs: 500, totalTimeoutMs: 1_500 };
const MB = 1024 * 1024;

let farm: FeedFarm;
let faults: FaultServer;
const rejections: unknown[] = [];
/** Peak memory growth per fault, printed at the end for the figures. */
const figures: string[] = [];
const onRejection = (reason: unknown) => void rejections.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  farm = await startFeedFarm({ stations: 7 }); // one station of each feed format
  faults = await startFaultServer();
});

afterAll(async () => {
  if (figures.length) console.log(`fault suite, peak growth while crawling (rss / heap MB): ${figures.join(', ')}`);
  process.off('unhandledRejection', onRejection);
  await faults?.close();
  await farm?.close();
});

afterEach(() => {
  expect(rejections, 'unhandled rejections').toEqual([]);
});

interface FaultRun {
  crawl: TestCrawl;
  /** Health of the faulty station at the end. */
  health: { lastError: string | null; consecutiveFailures: number; lastSuccessAt: number | null };
  faultyPlays: string[];
  peakRssGrowth: number;
  peakHeapGrowth: number;
}

/**
 * Crawls the healthy farm stations and one faulty station for a few rounds, changing every farm song each
 * round, and checks what every fault test shares: all healthy changes recorded, healthy stations healthy,
 * sockets back to their baseline after stop.
 */
async function crawlWith(name: string, faulty: Record<string, unknown>): Promise<FaultRun> {
  const baseline = openSockets();
  const memory = memorySampler();
  const entries = farm.stations.map((s) => farm.stationEntry(s));
  const crawl = await startTestCrawl([...entries, { id: 'faulty', name: 'Faulty FM', ...faulty }], { http: HTTP });
  const expected = new Map<string, string[]>();
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of farm.stations) {
        const song = { artist: `${s.kind} artist`, title: `${name} round ${r}` };
        farm.setSong(s.id, song);
        expected.set(s.id, [...(expected.get(s.id) ?? []), `${song.artist} - ${song.title}`]);
      }
      await crawl.round(10_000);
    }
    for (const s of farm.stations) {
      const raws = (await readAll(crawl.crawler.store.history({ stations: [s.id] }))).map((p) => p.raw);
      expect(raws, `${s.id} next to ${name}`).toEqual(expected.get(s.id));
    }
    const rows = (await crawl.crawler.store.nowPlaying());
    for (const { station } of rows.filter((r) => r.station.station !== 'faulty')) {
      expect(station.consecutiveFailures, `${station.station}: ${station.lastError}`).toBe(0);
    }
    const health = rows.find((r) => r.station.station === 'faulty')!.station;
    const faultyPlays = (await readAll(crawl.crawler.store.history({ stations: ['faulty'] }))).map((p) => p.raw);
    const peak = memory.stop();
    figures.push(`${name} ${((peak.peakRss - peak.startRss) / MB).toFixed(0)}/${((peak.peakHeap - peak.startHeap) / MB).toFixed(0)}`);
    return { crawl, health, faultyPlays, peakRssGrowth: peak.peakRss - peak.startRss, peakHeapGrowth: peak.peakHeap - peak.startHeap };
  } finally {
    memory.stop();
    await crawl.stop();
    // Server-side ends of the crawler's sockets close a moment after the client's.
    await waitFor(() => openSockets() <= baseline, { what: () => `open sockets back to ${baseline} after stop (${openSockets()} open)` });
  }
}

/** Waits until the fault server has no connection open on the path (the crawler hung up). */
async function hungUp(fault: Fault): Promise<void> {
  await waitFor(() => faults.stats(fault).open === 0, { what: () => `the crawler to hang up on /${fault} (${faults.stats(fault).open} connections open)` });
}

function expectFailed(run: FaultRun, code: RegExp): void {
  expect(run.health.consecutiveFailures).toBeGreaterThanOrEqual(1);
  expect(run.health.lastError).toMatch(code);
  expect(run.health.lastSuccessAt).toBeNull();
  expect(run.faultyPlays).toEqual([]);
  // Generous: the whole crawl of eight stations stays far below what the fault would cost if it were read.
  expect(run.peakHeapGrowth).toBeLessThan(64 * MB);
  expect(run.peakRssGrowth).toBeLessThan(160 * MB);
}

const feed = (fault: Fault, format: string, extra: Record<string, unknown> = {}) => ({ feed: { url: faults.url(fault), format, ...extra } });
const stream = (fault: Fault) => ({ stream: { url: faults.url(fault), mode: 'snapshot' } });

describe('faults cost only the faulty station', () => {
  it('a connection reset in the middle of the body', async () => {
    const run = await crawlWith('reset', feed('reset-mid-body', 'icecast-json', { mount: '/m1' }));
    expectFailed(run, /^(ECONNRESET|UND_ERR_SOCKET)\b/);
    await hungUp('reset-mid-body');
  });

  it('a server that accepts the connection and never answers', async () => {
    const run = await crawlWith('silent', feed('never-answers', 'shoutcast-v2'));
    expectFailed(run, /^ONAIR_(HEADERS_TIMEOUT|TIMEOUT)\b/);
    await hungUp('never-answers');
  });

  it('a stream that accepts the connection and never answers: the crawler\'s deadlines, not the reader\'s 10 s', async () => {
    const run = await crawlWith('silent-stream', stream('never-answers'));
    expectFailed(run, /^ONAIR_FIRST_BYTE_TIMEOUT\b/);
    expect(run.health.lastError).toContain(`within ${HTTP.headersTimeoutMs} ms`);
    await hungUp('never-answers');
  });

  it('a body that never ends', async () => {
    const run = await crawlWith('endless', feed('endless-body', 'xml', { title: 'songs.song[0].title' }));
    expectFailed(run, /^ONAIR_(TIMEOUT|BODY_TIMEOUT)\b/);
    await hungUp('endless-body');
  });

  it('a 200 MB body that says so in Content-Length', async () => {
    const run = await crawlWith('huge-declared', feed('huge-declared', 'json', { title: 'title' }));
    expectFailed(run, /^ONAIR_TOO_LARGE\b/);
    await hungUp('huge-declared');
    // The cap refused it from the head: only what the socket buffers took went out, never 200 MB.
    expect(faults.stats('huge-declared').bytesSent).toBeLessThan(HUGE_BYTES / 10);
  });

  it('a 200 MB body with no length, cut off at the byte cap', async () => {
    const run = await crawlWith('huge-chunked', feed('huge-chunked', 'json', { title: 'title' }));
    expectFailed(run, /^ONAIR_TOO_LARGE\b/);
    await hungUp('huge-chunked');
    expect(faults.stats('huge-chunked').bytesSent).toBeLessThan(HUGE_BYTES / 10);
  });

  it('a redirect loop', async () => {
    const before = faults.stats('redirect-loop').connections;
    const run = await crawlWith('redirects', feed('redirect-loop', 'icecast-json', { mount: '/m1' }));
    expectFailed(run, /^ONAIR_TOO_MANY_REDIRECTS\b/);
    // Bounded: a handful of hops per poll, not an endless chase.
    expect(faults.stats('redirect-loop').connections - before).toBeLessThanOrEqual(ROUNDS * 6);
  });

  it('a 404 and a 503', async () => {
    const run404 = await crawlWith('not-found', feed('status-404', 'shoutcast-v1'));
    expectFailed(run404, /^ONAIR_HTTP_STATUS: HTTP 404/);
    const run503 = await crawlWith('unavailable', feed('status-503', 'shoutcast-v2'));
    expectFailed(run503, /^ONAIR_HTTP_STATUS: HTTP 503/);
  });

  it('garbage bytes where JSON should be', async () => {
    const run = await crawlWith('garbage', feed('garbage', 'json', { title: 'now_playing.song.title' }));
    expectFailed(run, /^ONAIR_PARSE\b/);
  });

  it('an XML entity bomb (billion laughs)', async () => {
    const run = await crawlWith('laughs', feed('billion-laughs', 'xml', { title: 'songs.song[0].title' }));
    expectFailed(run, /^ONAIR_PARSE\b/);
  });

  it('XML nested 10,000 deep', async () => {
    const run = await crawlWith('deep', feed('deep-nesting', 'xml', { title: 'songs.song[0].title' }));
    expectFailed(run, /^ONAIR_PARSE\b/);
  });

  it('DNS failure (a name under .invalid)', async () => {
    const run = await crawlWith('dns', { feed: { url: 'http://onair-fault.invalid/status-json.xsl', format: 'icecast-json', mount: '/m1' } });
    expectFailed(run, /^(ENOTFOUND|EAI_AGAIN)\b/);
  });

  it('a feed server that closes right after the head', async () => {
    const run = await crawlWith('closed', feed('close-after-head', 'xml', { title: 'songs.song[0].title' }));
    expectFailed(run, /^(ECONNRESET|UND_ERR_SOCKET)\b/);
    await hungUp('close-after-head');
  });

  it('a stream without icy-metaint', async () => {
    const run = await crawlWith('no-metaint', stream('icy-no-metaint'));
    expectFailed(run, /^ONAIR_NO_METADATA\b/);
    await hungUp('icy-no-metaint');
  });

  it('a stream that closes right after the head: a failed poll, not "nothing playing"', async () => {
    const run = await crawlWith('stream-closed', stream('icy-close-after-head'));
    // A snapshot that saw no metadata block at all knows nothing of what plays: it must not count as a
    // successful poll that found silence (that would end the play on air and record it again later).
    expectFailed(run, /^[A-Z_]+\b/);
  });

  it('a 4080-byte ICY metadata block, the largest there is, is read whole', async () => {
    const run = await crawlWith('long-block', stream('icy-4080'));
    expect(run.health.consecutiveFailures).toBe(0);
    expect(run.faultyPlays).toEqual([LONG_TITLE]);
    expect(LONG_TITLE.length + "StreamTitle='';".length).toBe(4080);
    await hungUp('icy-4080');
  });

  it('a stream that closes after the head for one poll does not end the song on air, nor record it twice', async () => {
    const icy = await startIcyServer({ '/flaky': { head: 'http', metaint: 1000, titles: ['Same - Song'] } });
    const crawl = await startTestCrawl([{ id: 'flaky', stream: { url: icy.url('/flaky'), mode: 'snapshot' } }], { http: HTTP });
    try {
      await crawl.round(10_000);
      icy.mount('/flaky', { head: 'http', metaint: 1000, titles: ['Same - Song'], closeAfterHead: true });
      await crawl.round(10_000);
      icy.mount('/flaky', { head: 'http', metaint: 1000, titles: ['Same - Song'] });
      for (let r = 0; r < 6; r++) await crawl.round(10_000);
      const plays = (await readAll(crawl.crawler.store.history({ stations: ['flaky'] }))).map((p) => ({ raw: p.raw, open: p.endedAt === null }));
      expect(plays).toEqual([{ raw: 'Same - Song', open: true }]);
    } finally {
      await crawl.stop();
      await icy.close();
    }
  });
});
