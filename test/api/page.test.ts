// The now-playing page in headless Chromium against the real server and crawler: a title change on the
// farm reaches the board over SSE, with no reload.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.ts';
import { song, startApiHarness, type ApiHarness } from './harness.ts';

/**
 * How long any wait on the browser may take: Chromium on a busy machine is slow, so generous, and under
 * vitest's 30 s per test so a failure names the locator or poll it waited for. (expect.poll's own default is
 * 1 s, Playwright's 30 s.)
 */
const WAIT = { timeout: 20_000 };

describe('the now-playing page', () => {
  let h: ApiHarness;
  let browser: Browser;
  let page: Page;
  let a: string;

  beforeAll(async () => {
    browser = await launchChromium();
    h = await startApiHarness({ stations: 3, names: ['Groove Salad', 'Jazz Lounge', 'Night Drive'] });
    a = h.stations[0]!.id;
    await h.play(Object.fromEntries(h.stations.map((s, i) => [s.id, song(`Artist ${i}`, `Opening ${i}`)])));
    page = await browser.newPage();
    page.setDefaultTimeout(WAIT.timeout);
    await page.goto(`${h.api.url}/`);
    await page.locator('#status', { hasText: 'Live' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const row = (station: string) => page.locator(`#board tr[data-station="${station}"]`);

  it('shows every station with what it plays, since when and its health', async () => {
    await expect.poll(() => page.locator('#board tbody tr').count(), WAIT).toBe(3);
    await row(a).getByText('Opening 0').waitFor();
    expect(await row(a).locator('td').allInnerTexts()).toEqual([`Groove Salad\n${a}`, 'Opening 0\nArtist 0', expect.stringMatching(/ago$/), 'ok']);
  });

  it('puts a new title on the board as soon as the crawler records it, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await h.play({ [a]: song('Massive Attack', 'Teardrop') });
    await row(a).getByText('Teardrop').waitFor();
    expect(await row(a).locator('td.playing').innerText()).toBe('Teardrop\nMassive Attack');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('clears a station that goes silent, and shows its next title when it is back', async () => {
    const b = h.stations[1]!.id;
    await h.play({ [b]: null });
    await row(b).getByText('nothing playing').waitFor();
    await h.play({ [b]: song('Portishead', 'Roads') });
    await row(b).getByText('Roads').waitFor();
  });

  it('filters the board by station name', async () => {
    await page.getByLabel('Filter by name').fill('jazz');
    await expect.poll(() => page.locator('#board tbody tr:visible').allInnerTexts(), WAIT).toEqual([expect.stringContaining('Jazz Lounge')]);
    await page.getByLabel('Filter by name').fill('no such station');
    await page.getByText('No station matches the filter.').waitFor();
    await page.getByLabel('Filter by name').fill('');
    await expect.poll(() => page.locator('#board tbody tr:visible').count(), WAIT).toBe(3);
  });

  it('draws the last hour of changes and lag once a minute has passed', async () => {
    for (let i = 0; i < 6; i++) await h.play({ [a]: song('Loop', `Minute ${i}`) });
    await page.reload(); // the charts poll once a minute; a reload asks now
    await expect.poll(() => page.locator('#chart-changes rect').count(), WAIT).toBeGreaterThan(0);
    expect(await page.locator('#chart-lag polyline').count()).toBe(2);
    expect(await page.locator('#chart-changes').getAttribute('aria-label')).toMatch(/^Changes per minute, last hour: latest minute changes \d+; peak \d+$/);
  });
});
