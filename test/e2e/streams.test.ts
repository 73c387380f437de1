// End to end from live streams: the real crawler reads ICY (HTTP/1.0 and SHOUTcast's `ICY 200 OK`) and Ogg
// streams from a local server, in snapshot and live mode, into SQLite; and a station with a feed falls back
// to its stream while the feed fails.
import { afterEach, describe, expect, it } from 'vitest';
import { startIcyServer, type IcyServer } from '../helpers/icy-server.ts';
import { startFeedFarm, type FeedFarm } from '../farm/feed-farm.ts';
import { startTestCrawl, type TestCrawl } from '../helpers/crawl.ts';
import { waitFor } from '../helpers/wait.ts';
import { readAll } from '../../src/store/contract.ts';

let server: IcyServer | undefined;
let farm: FeedFarm | undefined;
let crawl: TestCrawl | undefined;
afterEach(async () => {
  await crawl?.stop();
  await server?.close();
  await farm?.close();
  crawl = server = farm = undefined;
});

const history = async (c: TestCrawl, id: string) => (await readAll(c.crawler.store.history({ stations: [id] }))).map((p) => ({ raw: p.raw, artist: p.artist, title: p.title, source: p.source, open: p.endedAt === null }));

/** Waits until the crawler has seen `n` changes in all: they come over a held socket, so in real time. */
async function changesReach(c: TestCrawl, n: number): Promise<void> {
  await waitFor(() => c.crawler.pipeline.stats.changes >= n, { what: () => `${n} changes from the live stream (${c.crawler.pipeline.stats.changes} so far)` });
}

describe('stations read from their streams', () => {
  it('records each change of ICY and Ogg streams in snapshot mode, whatever the head', async () => {
    server = await startIcyServer({
      '/http.mp3': { head: 'http', metaint: 16000, titles: ['A - One'] },
      '/v1': { head: 'icy', metaint: 8192, titles: ['B - One'] },
      '/bare': { head: 'none', metaint: 1000, titles: ['C - One'] },
      '/latin1': { head: 'http', metaint: 4000, titles: [Buffer.from('Mötley Crüe - Café', 'latin1')] },
      '/vorbis.ogg': { kind: 'ogg', codec: 'vorbis', titles: ['D - One'] },
    });
    const ids = ['http', 'v1', 'bare', 'latin1', 'vorbis'];
    const paths = ['/http.mp3', '/v1', '/bare', '/latin1', '/vorbis.ogg'];
    crawl = await startTestCrawl(ids.map((id, i) => ({ id, stream: { url: server!.url(paths[i]!), mode: 'snapshot' } })));
    await crawl.round(10_000);
    server.setTitle('/http.mp3', 'A - Two');
    server.setTitle('/v1', "B - Say 'Hi'; Bye");
    await crawl.round(10_000);
    await crawl.round(10_000); // nothing changed: nothing recorded

    expect((await history(crawl, 'http'))).toEqual([
      { raw: 'A - One', artist: 'A', title: 'One', source: 'stream', open: false },
      { raw: 'A - Two', artist: 'A', title: 'Two', source: 'stream', open: true },
    ]);
    expect((await history(crawl, 'v1')).map((p) => p.raw)).toEqual(['B - One', "B - Say 'Hi'; Bye"]);
    expect((await history(crawl, 'bare')).map((p) => p.raw)).toEqual(['C - One']);
    expect((await history(crawl, 'latin1')).map((p) => p.raw)).toEqual(['Mötley Crüe - Café']);
    expect((await history(crawl, 'vorbis'))).toEqual([{ raw: 'D - One', artist: 'D', title: 'One', source: 'stream', open: true }]);
    for (const { station } of (await crawl.crawler.store.nowPlaying())) expect(station.consecutiveFailures, station.station).toBe(0);
    expect(crawl.crawler.pipeline.stats.streamBytes).toBeGreaterThan(0);
  });

  it('records each change of a live stream as its metadata block arrives, on one held connection', async () => {
    server = await startIcyServer({ '/live': { head: 'icy', metaint: 2048, titles: ['Live - One'] } });
    crawl = await startTestCrawl([{ id: 'live', stream: { url: server.url('/live'), mode: 'live' } }]);
    await changesReach(crawl, 1);
    server.setTitle('/live', 'Live - Two');
    await changesReach(crawl, 2);
    server.tick('/live'); // audio with no new title: not a change
    server.setTitle('/live', 'Live - Three');
    await changesReach(crawl, 3);
    await crawl.crawler.flush();
    expect((await history(crawl, 'live')).map((p) => p.raw)).toEqual(['Live - One', 'Live - Two', 'Live - Three']);
    expect(server.requests.filter((r) => r.path === '/live')).toHaveLength(1);
    expect(crawl.crawler.live.bytesRead).toBeGreaterThan(3 * 2048);
  });

  it('reconnects a live stream the server closed, without recording the song on air again', async () => {
    server = await startIcyServer({ '/live': { head: 'http', metaint: 1024, titles: ['Same - Song'] } });
    crawl = await startTestCrawl([{ id: 'live', stream: { url: server.url('/live'), mode: 'live' } }]);
    await changesReach(crawl, 1);
    const reconnected = new Promise((resolve) => server!.events.once('request', resolve));
    server.end('/live');
    // The reconnect waits for a backoff on the crawler's clock, and the close reaches the crawler over a
    // real socket first: a second of the clock per check until the server sees the new request.
    const reconnectedYet = async () => {
      if (server!.requests.length >= 2) return true;
      await crawl!.clock.advance(1_000);
      return false;
    };
    await waitFor(reconnectedYet, { what: 'the crawler to reconnect the live stream' });
    await reconnected;
    server.setTitle('/live', 'Next - Song');
    await changesReach(crawl, 2);
    await crawl.crawler.flush();
    expect((await history(crawl, 'live')).map((p) => p.raw)).toEqual(['Same - Song', 'Next - Song']);
  });

  it('reads the feed while it works and falls back to the stream while it fails', async () => {
    farm = await startFeedFarm({ stations: 1, kinds: ['shoutcast-v2'] });
    const [fs] = farm.stations;
    farm.setSong(fs!.id, { artist: 'Feed', title: 'Song' });
    server = await startIcyServer({ '/a': { head: 'http', metaint: 1000, titles: ['Stream - Song'] } });
    const feed = (farm.stationEntry(fs!) as { feed: object }).feed;
    crawl = await startTestCrawl([
      { id: 'good-feed', feed, stream: { url: server.url('/a'), mode: 'snapshot' } },
      { id: 'dead-feed', feed: { url: 'http://127.0.0.1:9/stats?sid=1', format: 'shoutcast-v2' }, stream: { url: server.url('/a'), mode: 'snapshot' } },
    ]);
    await crawl.round(10_000);
    expect((await history(crawl, 'good-feed'))).toEqual([{ raw: 'Feed - Song', artist: 'Feed', title: 'Song', source: 'feed', open: true }]);
    expect((await history(crawl, 'dead-feed'))).toEqual([{ raw: 'Stream - Song', artist: 'Stream', title: 'Song', source: 'stream', open: true }]);
  });

  it('backs off a stream without in-stream metadata and says why in its health', async () => {
    server = await startIcyServer({ '/plain': { head: 'http', metaint: null } });
    crawl = await startTestCrawl([{ id: 'plain', stream: { url: server.url('/plain'), mode: 'snapshot' } }]);
    await crawl.round(10_000);
    const [row] = (await crawl.crawler.store.nowPlaying());
    expect(row!.station.consecutiveFailures).toBe(1);
    expect(row!.station.lastError).toMatch(/^ONAIR_NO_METADATA/);
    expect(crawl.crawler.scheduler.failuresOf('plain')).toBe(1);
    // Said once and retried rarely: an hour later, not after the usual backoff.
    await crawl.round(30 * 60_000);
    expect(crawl.crawler.pipeline.stats.polls).toBe(1);
    await crawl.round(31 * 60_000);
    expect(crawl.crawler.pipeline.stats.polls).toBe(2);
  });
});
