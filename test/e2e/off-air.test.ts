// An Icecast mount whose source disconnects: the mount leaves the status page. A short drop (a DJ handover)
// must not split the song; a long one ends it at the first poll that missed the mount, and the station is
// polled at its normal interval meanwhile, so its return is seen at once. Real crawler, real HTTP, real SQLite.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OFF_AIR_AFTER_MS } from '../../src/pipeline/pipeline.ts';
import { startTestCrawl, type TestCrawl } from '../helpers/crawl.ts';
import { readAll } from '../../src/store/contract.ts';

/** What /status-json.xsl lists: mount -> title; a mount not in the map is off air. */
const onAir = new Map<string, string>();
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    const source = [...onAir].map(([mount, title]) => ({ listenurl: `http://localhost:8000${mount}`, server_name: mount, title }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ icestats: { server_id: 'Icecast 2.4.4', source } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status-json.xsl`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let crawl: TestCrawl | undefined;
afterEach(async () => {
  await crawl?.stop();
  onAir.clear();
});

const ROUND = 10_000;
const plays = async (station: string) => (await readAll(crawl!.crawler.store.history({ stations: [station] })));
const health = async (station: string) => (await crawl!.crawler.store.nowPlaying()).find((r) => r.station.station === station)!;

async function startWithSong(): Promise<number> {
  onAir.set('/jazz', 'Miles Davis - So What');
  onAir.set('/soul', 'Nina Simone - Feeling Good');
  crawl = await startTestCrawl(['/jazz', '/soul'].map((m) => ({ id: m.slice(1), feed: { url, format: 'icecast-json', mount: m } })));
  await crawl.round(ROUND);
  expect((await plays('jazz')).map((p) => p.raw)).toEqual(['Miles Davis - So What']);
  return crawl.clock.now();
}

describe('an Icecast mount that leaves the status page', () => {
  it('keeps the song through a drop shorter than the limit, and says so in the health record meanwhile', async () => {
    await startWithSong();
    onAir.delete('/jazz');
    await crawl!.round(ROUND);
    expect((await health('jazz')).station).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringMatching(/^ONAIR_MOUNT_ABSENT: mount \/jazz is not in the document/) });
    expect((await health('jazz')).play?.raw).toBe('Miles Davis - So What');
    for (let t = 2 * ROUND; t < OFF_AIR_AFTER_MS; t += ROUND) await crawl!.round(ROUND);
    onAir.set('/jazz', 'Miles Davis - So What');
    await crawl!.round(ROUND);
    // One play, still open: the drop invented no change.
    expect((await plays('jazz'))).toMatchObject([{ raw: 'Miles Davis - So What', endedAt: null }]);
    expect((await health('jazz')).station.consecutiveFailures).toBe(0);
    expect((await plays('soul'))).toMatchObject([{ raw: 'Nina Simone - Feeling Good', endedAt: null }]);
  });

  it('ends the song at the first poll that missed the mount once it stays away, and sees it return within a round', async () => {
    await startWithSong();
    onAir.delete('/jazz');
    await crawl!.round(ROUND);
    const firstMissed = crawl!.clock.now();
    // Rounds until the limit has passed: at the normal interval (a backoff would leave most of them out).
    const polls = crawl!.crawler.pipeline.stats.polls;
    const rounds = Math.ceil(OFF_AIR_AFTER_MS / ROUND);
    for (let i = 0; i < rounds; i++) await crawl!.round(ROUND);
    expect(crawl!.crawler.pipeline.stats.polls - polls).toBe(2 * rounds);
    const [ended] = (await plays('jazz'));
    expect(ended!.endedAt).not.toBeNull();
    expect(Math.abs(ended!.endedAt! - firstMissed)).toBeLessThan(ROUND);
    expect((await health('jazz')).play).toBeNull();

    onAir.set('/jazz', 'John Coltrane - Naima');
    await crawl!.round(ROUND);
    expect((await plays('jazz')).map((p) => p.raw)).toEqual(['Miles Davis - So What', 'John Coltrane - Naima']);
    expect((await health('jazz')).station.consecutiveFailures).toBe(0);
  });
});
