// A bug is never retried nor swallowed: the real crawler (manual clock, real SQLite) with a stream reader
// that throws a TypeError for one station parks that station after one poll, says so once at error level
// with the stack, keeps it in the station's health, and polls it again once its stations.json entry changes.
// The same for a live stream, which is not reconnected.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, seededRandom } from '../../src/clock.ts';
import type { openLiveStream, StreamSnapshot } from '../../src/fetch/stream/reader.ts';
import { HttpClient } from '../../src/fetch/http.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { LiveStreams } from '../../src/pipeline/live-streams.ts';
import { Pipeline, type SnapshotReader } from '../../src/pipeline/pipeline.ts';
import type { PlayStore } from '../../src/store/contract.ts';
import { startTestCrawl, type TestCrawl } from '../helpers/crawl.ts';

interface LogLine {
  level: number;
  msg: string;
  station?: string;
  code?: string;
  err?: { type: string; message: string; stack: string };
}

/** A real pino logger at debug level whose lines are kept for the test to read. */
function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { logger: createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) }), lines };
}

const ERROR = 50;

let crawl: TestCrawl | undefined;
afterEach(async () => {
  await crawl?.stop();
  crawl = undefined;
});

describe('a poll that fails with a bug', () => {
  it('parks the station after one poll, logs it once at error level with its stack, and resumes it when its entry changes', async () => {
    let fixed = false;
    const reads = new Map<string, number>();
    const readSnapshot: SnapshotReader = async (url) => {
      reads.set(url, (reads.get(url) ?? 0) + 1);
      if (url.includes('/buggy') && !fixed) throw new TypeError("Cannot read properties of undefined (reading 'title')");
      return { title: { raw: 'Artist - Song', artist: null, title: null }, headers: {}, bytesRead: 100 } satisfies StreamSnapshot;
    };
    const { logger, lines } = capturingLogger();
    const entries = [
      { id: 'buggy', stream: { url: 'http://127.0.0.1:9/buggy', mode: 'snapshot' } },
      { id: 'fine', stream: { url: 'http://127.0.0.1:9/fine', mode: 'snapshot' } },
    ];
    crawl = await startTestCrawl(entries, { readSnapshot, logger });
    for (let s = 0; s < 10; s++) await crawl.round(10_000);

    expect(reads.get('http://127.0.0.1:9/buggy')).toBe(1);
    expect(reads.get('http://127.0.0.1:9/fine')).toBeGreaterThanOrEqual(9);
    expect(crawl.crawler.scheduler.isDisabled('buggy')).toBe(true);
    const rows = await crawl.crawler.store.nowPlaying();
    const health = rows.find((r) => r.station.station === 'buggy')!.station;
    expect(health).toMatchObject({ consecutiveFailures: 1, lastSuccessAt: null });
    expect(health.lastError).toBe("ONAIR_BUG: TypeError: Cannot read properties of undefined (reading 'title')");
    const said = lines.filter((l) => l.station === 'buggy');
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: ERROR, code: 'ONAIR_BUG', err: { type: 'TypeError' } });
    expect(said[0]!.err!.stack).toMatch(/TypeError: Cannot read properties[\s\S]*disable\.test\.ts/);

    // The entry is edited (a name added) and the list reloaded: the station is polled again, and recovers.
    fixed = true;
    entries[0] = { ...entries[0]!, name: 'Buggy FM' } as (typeof entries)[number];
    writeFileSync(crawl.stationsFile, JSON.stringify({ defaults: { intervalSeconds: 10 }, stations: entries }));
    crawl.crawler.registry.reload();
    for (let s = 0; s < 3; s++) await crawl.round(10_000);
    expect(crawl.crawler.scheduler.isDisabled('buggy')).toBe(false);
    expect(reads.get('http://127.0.0.1:9/buggy')).toBeGreaterThanOrEqual(3);
    const after = (await crawl.crawler.store.nowPlaying()).find((r) => r.station.station === 'buggy')!;
    expect(after.station).toMatchObject({ consecutiveFailures: 0, lastSuccessAt: expect.any(Number) });
    expect(after.play?.raw).toBe('Artist - Song');
  });

  it('does not let the stream stand in for a feed that failed with a bug', async () => {
    // A stream reader that would answer: the feed's bug must not be hidden behind it.
    const readSnapshot: SnapshotReader = async () => ({ title: { raw: 'Stream - Song', artist: null, title: null }, headers: {}, bytesRead: 1 });
    const { logger, lines } = capturingLogger();
    crawl = await startTestCrawl(
      [{ id: 'both', feed: { url: 'http://127.0.0.1:9/status-json.xsl', format: 'icecast-json', mount: '/m' }, stream: { url: 'http://127.0.0.1:9/m', mode: 'snapshot' } }],
      { readSnapshot, logger },
    );
    // The HTTP client throws a bug (not a network failure) for every fetch.
    crawl.crawler.http.get = async () => {
      throw new RangeError('Invalid array length');
    };
    for (let s = 0; s < 10; s++) await crawl.round(10_000);
    const row = (await crawl.crawler.store.nowPlaying()).find((r) => r.station.station === 'both')!;
    expect(row.station.lastError).toBe('ONAIR_BUG: RangeError: Invalid array length');
    expect(row.play).toBeNull();
    expect(crawl.crawler.scheduler.isDisabled('both')).toBe(true);
    expect(lines.filter((l) => l.station === 'both' && l.level === ERROR)).toHaveLength(1);
  });
});

describe('a live stream that fails with a bug', () => {
  const station = (name?: string): Parameters<LiveStreams['upsert']>[0] => ({ id: 'live', ...(name ? { name } : {}), stream: { url: 'http://127.0.0.1:9/live', mode: 'live' } });

  it('is not reconnected, is recorded and logged once, and opens again when its entry changes', async () => {
    const clock = new ManualClock(0);
    const { logger, lines } = capturingLogger();
    const health: (string | null)[] = [];
    const store = { recordPoll: (_id: string, _at: number, error: string | null) => void health.push(error), recordChange: () => {} } as unknown as PlayStore;
    const pipeline = new Pipeline({ http: new HttpClient(), readSnapshot: async () => Promise.reject(new Error('unused')), store, clock, logger });
    let opens = 0;
    let fixed = false;
    const open = (async (_url, opts) => {
      opens++;
      if (!fixed) throw new TypeError('bug in the reader');
      opts.onHeaders?.({}, new URL('http://127.0.0.1:9/live'));
      // Held open until the test stops it.
      await new Promise((resolve) => opts.signal.addEventListener('abort', resolve));
      return { bytesRead: 0, titles: 0 };
    }) as typeof openLiveStream;
    const live = new LiveStreams({ clock, random: seededRandom(1), logger, pipeline, backoffCapMs: 300_000, rareRetryMs: 3_600_000, reconnectMs: 2_000, readEveryMs: 0, open });
    live.upsert(station());
    await clock.advance(100_000);
    expect(opens).toBe(1);
    expect(health).toEqual(['ONAIR_BUG: TypeError: bug in the reader']);
    expect(lines.filter((l) => l.station === 'live')).toMatchObject([{ level: ERROR, err: { type: 'TypeError' } }]);
    expect(clock.pending()).toBe(0);

    // The same entry again changes nothing; a changed one opens a new connection.
    live.upsert(station());
    await clock.advance(10_000);
    expect(opens).toBe(1);
    fixed = true;
    live.upsert(station('Live FM'));
    await clock.advance(10_000);
    expect(opens).toBe(2);
    expect(health.at(-1)).toBeNull();
    await live.stop();
  });
});
