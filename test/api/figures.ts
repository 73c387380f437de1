// Prints the live API's figures for the closing note: SSE latency on a local run (real clock, 1 s polls)
// and the page's size. Measured in one process (farm, crawler, server and client share the event loop),
// so the figures include that contention. Not a test: nothing is asserted.
// Run: npx tsx test/api/figures.ts
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { systemClock } from '../../src/clock.ts';
import { PAGE_FILES } from '../../src/api/page.ts';
import { song, startApiHarness } from './harness.ts';
import { openEvents } from './sse-client.ts';

const STATIONS = 20;
const ROUNDS = 10;

const pageBytes = Object.values(PAGE_FILES).map(({ file }) => readFileSync(new URL(`../../src/api/page/${file}`, import.meta.url)));
const raw = pageBytes.reduce((n, b) => n + b.length, 0);
const gz = pageBytes.reduce((n, b) => n + gzipSync(b).length, 0);
console.log(`page: ${raw} bytes (HTML+JS+CSS: ${pageBytes.map((b) => b.length).join(' + ')}), ${gz} bytes gzipped`);

const h = await startApiHarness({ stations: STATIONS, crawl: { clock: systemClock, intervalSeconds: 1 } });
const client = await openEvents(`${h.api.url}/api/events`);
// When the poll that saw each station's new song came back, and when the last commit ended.
const awaiting = new Set<string>();
const detectedAt = new Map<string, number>();
let committedAt = 0;
h.crawl.crawler.observe({
  poll: (station) => {
    if (awaiting.delete(station.id)) detectedAt.set(station.id, performance.now());
  },
  flush: () => void (committedAt = performance.now()),
});
const fromCommit: number[] = [];
const fromDetect: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const s of h.stations) (h.farm.setSong(s.id, song('Round', `${r} ${s.id}`)), awaiting.add(s.id));
  for (let i = 0; i < STATIONS; i++) {
    const { play } = await client.nextPlay();
    const now = performance.now();
    fromCommit.push(now - committedAt);
    fromDetect.push(now - detectedAt.get(play.station as string)!);
  }
}
client.close();
await h.close();

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!.toFixed(2);
const line = (xs: number[]) => `p50 ${pct(xs, 50)} ms, p95 ${pct(xs, 95)} ms, max ${pct(xs, 100)} ms (${xs.length} events)`;
console.log(`SSE latency, commit → event received: ${line(fromCommit)}`);
console.log(`SSE latency, change detected by a poll → event received (includes the 250 ms flush interval): ${line(fromDetect)}`);
