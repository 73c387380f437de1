// End to end: the real crawler against a local station farm of every status-feed format, over loopback,
// into a real SQLite file, then exported. Every change the farm made is recorded once, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { writeHistoryJson, type ExportedPlay } from '../../src/export/history.ts';
import { FARM_KINDS, startFeedFarm, type FeedFarm, type Song } from '../farm/feed-farm.ts';
import { startTestCrawl, type TestCrawl } from '../helpers/crawl.ts';
import { readAll } from '../../src/store/contract.ts';

const ROUNDS = 6;
/** What station i plays in round r: changes most rounds, repeats sometimes, silent now and then. */
function songFor(i: number, r: number): Song | null {
  if ((i + r) % 5 === 0) return null;
  const n = r - (r % (1 + (i % 3)));
  return { artist: `Artist ${i}, "the" <${i % 4}>`, title: `Song ${n} & Friends; Ça va 'oui'` };
}

async function exportAll(crawl: TestCrawl): Promise<ExportedPlay[]> {
  const chunks: string[] = [];
  const out = new Writable({ write: (c, _e, cb) => (chunks.push(c.toString()), cb()) });
  await writeHistoryJson(crawl.crawler.store.history({}), out);
  return JSON.parse(chunks.join('')) as ExportedPlay[];
}

describe('crawling a station farm of every feed format', () => {
  let farm: FeedFarm;
  let crawl: TestCrawl;
  const expected = new Map<string, string[]>();

  beforeAll(async () => {
    farm = await startFeedFarm({ stations: FARM_KINDS.length * 4, mountsPerServer: 3 });
    crawl = await startTestCrawl(farm.stations.map((s) => farm.stationEntry(s)));
    const last = new Map<string, string | null>();
    for (let r = 0; r < ROUNDS; r++) {
      farm.stations.forEach((s, i) => {
        const song = songFor(i, r);
        farm.setSong(s.id, song);
        const raw = song && `${song.artist} - ${song.title}`;
        if (raw !== (last.get(s.id) ?? null) && raw) expected.set(s.id, [...(expected.get(s.id) ?? []), raw]);
        last.set(s.id, raw);
      });
      await crawl.round(10_000);
    }
  });

  afterAll(async () => {
    await crawl?.stop();
    await farm?.close();
  });

  it('records every change of every station once, in order', async () => {
    for (const s of farm.stations) {
      const plays = (await readAll(crawl.crawler.store.history({ stations: [s.id] })));
      expect(plays.map((p) => p.raw), s.id).toEqual(expected.get(s.id));
    }
  });

  it('splits artist and title, keeps the source, and closes every play but the last', async () => {
    const plays = await exportAll(crawl);
    expect(plays.length).toBe([...expected.values()].reduce((n, l) => n + l.length, 0));
    const first = plays.find((p) => p.station === farm.stations[1]!.id)!;
    expect(first).toEqual({
      station: farm.stations[1]!.id,
      raw: 'Artist 1, "the" <1> - Song 0 & Friends; Ça va \'oui\'',
      artist: 'Artist 1, "the" <1>',
      title: "Song 0 & Friends; Ça va 'oui'",
      startedAt: expect.stringMatching(/^2026-11-28T10:00:\d\d\.\d{3}Z$/),
      endedAt: expect.stringMatching(/^2026-11-28T10:0\d:\d\d\.\d{3}Z$/),
      source: 'feed',
    });
    for (const station of farm.stations) {
      const mine = plays.filter((p) => p.station === station.id);
      for (let k = 0; k + 1 < mine.length; k++) expect(mine[k]!.endedAt! <= mine[k + 1]!.startedAt).toBe(true);
    }
    // Oldest first.
    const starts = plays.map((p) => p.startedAt);
    expect(starts).toEqual([...starts].sort());
  });

  it('asks conditionally and fetches a shared multi-mount feed once per round', () => {
    // Icecast JSON: 4 stations on 2 servers; 6 rounds: at most 2 requests per round for them.
    expect(farm.requests.notModified).toBeGreaterThan(0);
    const polls = crawl.crawler.pipeline.stats.polls;
    expect(polls).toBe(farm.stations.length * ROUNDS);
    expect(farm.requests.total).toBeLessThan(polls);
  });

  it('records every station as healthy', async () => {
    for (const { station } of (await crawl.crawler.store.nowPlaying())) {
      expect(station.consecutiveFailures, `${station.station}: ${station.lastError}`).toBe(0);
      expect(station.lastSuccessAt).not.toBeNull();
    }
  });
});
