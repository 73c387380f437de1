// Runs the real crawler (real SQLite file, real HTTP over loopback) on a manual clock: a test advances
// time one round and waits until every poll of that round has settled, with no sleeps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ManualClock, seededRandom } from '../../src/clock.ts';
import { silentLogger } from '../../src/log.ts';
import { startCrawler, type Crawler, type CrawlerOptions } from '../../src/main.ts';

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
  const crawler = startCrawler({ stationsFile, dbFile, clock, random: seededRandom(1), logger: silentLogger(), watch: false, ...opts });
  return {
    crawler,
    clock,
    dir,
    stationsFile,
    dbFile,
    async round(ms) {
      await clock.advance(ms);
      await settle(crawler);
      crawler.flush();
    },
    async stop() {
      await crawler.stop();
      cleanup();
    },
  };
}

/** Waits until no poll is in flight (each turn lets sockets and parsers run). */
export async function settle(crawler: Crawler): Promise<void> {
  for (let turns = 0; crawler.scheduler.inFlightCount > 0; turns++) {
    if (turns > 1_000_000) throw new Error('polls did not settle');
    await nextTurn();
  }
}
