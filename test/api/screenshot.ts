// Takes src/api/page/screenshot.png (the README's picture of the page): a few named farm stations, ten
// minutes of song changes on the manual clock, one station that fails, the page in headless Chromium.
// Run: npx tsx test/api/screenshot.ts
import { fileURLToPath } from 'node:url';
import type { FarmKind } from '../farm/feed-farm.ts';
import { launchChromium } from './chromium.ts';
import { song, startApiHarness } from './harness.ts';

const OUT = fileURLToPath(new URL('../../src/api/page/screenshot.png', import.meta.url));
const NAMES = ['Groove Salad', 'Jazz Lounge', 'Night Drive', 'Radio Paradise', 'Secret Agent', 'Drone Zone', 'Indie Pop Rocks'];
const SONGS = [
  ['Bonobo', 'Kerala'], ['Nina Simone', 'Feeling Good'], ['Kavinsky', 'Nightcall'], ['Portishead', 'Roads'],
  ['Air', 'La femme d’argent'], ['Boards of Canada', 'Roygbiv'], ['Khruangbin', 'Maria También'], ['Massive Attack', 'Teardrop'],
  ['Thievery Corporation', 'Lebanese Blonde'], ['Stereolab', 'French Disko'], ['Tycho', 'Awake'], ['Beach House', 'Myth'],
];
const pick = (k: number) => song(...(SONGS[k % SONGS.length] as [string, string]));
const KINDS: FarmKind[] = ['icecast-json', 'shoutcast-v1', 'somafm-xml', 'azuracast-json', 'shoutcast-v2', 'icecast-json', 'shoutcast-v1'];

const h = await startApiHarness({ stations: NAMES.length, kinds: KINDS, names: NAMES, extraStations: [{ id: 'pirate', name: 'Pirate FM', feed: { url: 'http://127.0.0.1:9/status-json.xsl', format: 'icecast-json', mount: '/live' } }] });
const browser = await launchChromium();
try {
  // Ten minutes: station i changes every 2-4 rounds; Drone Zone goes quiet at the end.
  for (let r = 0; r < 60; r++) {
    const songs = Object.fromEntries(
      h.stations.flatMap((s, i) => (r % (2 + (i % 3)) === 0 ? [[s.id, i === 5 && r > 50 ? null : pick(r + i * 5)]] : [])),
    );
    await h.play(songs);
  }
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.clock.setFixedTime(h.crawl.clock.now());
  await page.goto(`${h.api.url}/`);
  await page.locator('#status', { hasText: 'Live' }).waitFor();
  await page.locator('#chart-changes rect').first().waitFor();
  await h.play({ [h.stations[2]!.id]: song('Daft Punk', 'Digital Love') });
  await page.locator('tr.changed').first().waitFor();
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  await h.close();
}
