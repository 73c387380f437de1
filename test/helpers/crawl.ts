// Runs the real crawler (real SQLite file, real HTTP over loopback) on a manual clock: a test advances
// time one round and waits until every poll of that round has settled, with no fixed sleeps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, seededRandom } from '../../src/clock.ts';
import { SETTING_RULES } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startCrawler, type Crawler, type CrawlerOptions } from '../../src/main.ts';
import { waitFor } from './wait.ts';

export interface TestCrawl {
  crawler: Crawler;
  clock: ManualClock;
  dir: string;
  stationsFile: string;
  dbFile: string;
  /** Advances the clock by ms, then waits for the polls it started to settle, then commits. */
  round(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export function tempDir(prefix = 'onair-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestCrawl(stations: unknown[], opts: Partial<CrawlerOptions> = {}): Promise<TestCrawl> {
  const { dir, cleanup } = tempDir();
  const stationsFile = join(dir, 'stations.json');
  const dbFile = join(dir, 'data', 'onair.db');
  writeFileSync(stationsFile, JSON.stringify({ defaults: { intervalSeconds: 10 }, stations }));
  const clock = new ManualClock(Date.parse('2026-11-28T10:00:00.000Z'));
  // Leases of the longest length, on real time: a busy machine that stalls the event loop for seconds cannot
  // make one run out under a test. (On the manual clock they would run out whenever a test moves time past a
  // renewal still on its way to a real PostgreSQL.) The cluster tests exercise short leases.
  const crawler = await startCrawler({ stationsFile, db: dbFile, clock, leaseMs: SETTING_RULES.leaseMs.max, random: seededRandom(1), logger: silentLogger(), watch: false, ...opts });
  return {
    crawler,
    clock,
    dir,
    stationsFile,
    dbFile,
    async round(ms) {
      await clock.advance(ms);
      await settle(crawler);
      await crawler.flush();
    },
    async stop() {
      await crawler.stop();
      cleanup();
    },
  };
}

/**
 * Waits until no poll is in flight. The polls run on real sockets, so this is a wall-clock wait, bounded by
 * 25 s: every poll has its own real timeouts (15 s at most by default), so a poll still in flight after that
 * is a poll whose timeouts are broken, not a slow machine. Under vitest's 30 s per test, so such a test fails
 * here, saying how many polls are stuck, not with a bare "test timed out" (it was a minute, which no test
 * under the default timeout could reach). (Before that it was a count of 1,000,000 event-loop turns, which a
 * fresh clone against a real Icecast used up while its polls were still busy.)
 */
export async function settle(crawler: Crawler): Promise<void> {
  await waitFor(() => crawler.scheduler.inFlightCount === 0, {
    what: () => `the polls to settle (${crawler.scheduler.inFlightCount} still in flight)`,
    timeoutMs: 25_000,
    everyMs: 1,
  });
}
