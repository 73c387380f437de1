// The JSON routes, /metrics, /healthz and the page's files, served next to a real crawler on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toExportedPlay } from '../../src/export/history.ts';
import { song, startApiHarness, type ApiHarness } from './harness.ts';
import { readAll } from '../../src/store/contract.ts';

describe('the HTTP API of a running crawler', () => {
  let h: ApiHarness;
  let a: string;
  const SONGS = 7;

  beforeAll(async () => {
    h = await startApiHarness({ stations: 3 });
    a = h.stations[0]!.id;
    await h.play(Object.fromEntries(h.stations.map((s) => [s.id, song('Band', `Opening ${s.id}`)])));
    for (let i = 1; i < SONGS; i++) await h.play({ [a]: song('Band', `Song ${i}`) });
  });
  afterAll(() => h?.close());

  const json = async (path: string) => {
    const res = await h.get(path);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
  };

  it('lists every station with what it plays now, since when, and its health', async () => {
    const { status, body } = await json('/api/now');
    expect(status).toBe(200);
    const rows = body.stations as Record<string, unknown>[];
    expect(rows.map((r) => r.station)).toEqual(h.stations.map((s) => s.id));
    const [open] = (await readAll(h.crawl.crawler.store.history({ stations: [a], newestFirst: true, limit: 1 })));
    expect(rows[0]).toEqual({
      station: a,
      name: `Station ${a}`,
      raw: `Band - Song ${SONGS - 1}`,
      artist: 'Band',
      title: `Song ${SONGS - 1}`,
      startedAt: toExportedPlay(open!).startedAt,
      source: 'feed',
      playId: open!.id,
      health: 'ok',
      lastError: null,
    });
  });

  it('pages a station history newest first with an opaque cursor until no page follows', async () => {
    const all = (await readAll(h.crawl.crawler.store.history({ stations: [a], newestFirst: true }))).map(toExportedPlay);
    expect(all).toHaveLength(SONGS);
    const seen: unknown[] = [];
    let cursor: string | null = null;
    const pages: number[] = [];
    do {
      const { status, body } = await json(`/api/stations/${a}/history?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      const plays = body.plays as unknown[];
      pages.push(plays.length);
      seen.push(...plays);
      cursor = body.next as string | null;
      if (cursor) expect(cursor).not.toMatch(/^\d+$/);
    } while (cursor);
    expect(pages).toEqual([3, 3, 1]);
    expect(seen).toEqual(all);
  });

  it('gives 50 plays by default and limits the history to since and until', async () => {
    const all = (await readAll(h.crawl.crawler.store.history({ stations: [a] }))).map(toExportedPlay);
    const { body: everything } = await json(`/api/stations/${a}/history`);
    expect(everything.plays).toHaveLength(SONGS);
    const [, second, third] = all;
    const { body } = await json(`/api/stations/${a}/history?since=${second!.endedAt}&until=${encodeURIComponent(third!.endedAt!)}`);
    // On air at or after `since` and started before `until`: the second play (it ends at since), the third.
    expect(body.plays).toEqual([third, second]);
  });

  it.each([
    ['/api/stations/STATION/history?limit=0', 400, /"limit" must be an integer from 1 to 500/],
    ['/api/stations/STATION/history?limit=501', 400, /"limit"/],
    ['/api/stations/STATION/history?since=yesterday', 400, /"since": invalid time "yesterday"/],
    ['/api/stations/STATION/history?cursor=abc', 400, /"cursor" is not a cursor/],
    ['/api/stations/STATION/history?limit=5&limit=6', 400, /"limit" given more than once/],
    ['/api/stations/STATION/history?page=2', 400, /unknown query parameter "page"/],
    ['/api/stations/nope/history', 404, /unknown station "nope"/],
    ['/api/stations/%E0%A4%A/history', 400, /malformed station id/],
    ['/api/events?station=nope', 404, /unknown station "nope"/],
    ['/api/events?station=', 400, /"station" must not be empty/],
    ['/api/events?since=1', 400, /unknown query parameter "since"/],
    ['/api/nothing', 404, /no such resource/],
  ])('answers a bad request %s with %i and a JSON error', async (path, status, message) => {
    const res = await json(path.replace('STATION', a));
    expect(res).toEqual({ status, type: 'application/json; charset=utf-8', body: { error: expect.stringMatching(message) } });
  });

  it('refuses a malformed Last-Event-ID and any method but GET with a JSON error', async () => {
    const bad = await h.get('/api/events', { headers: { 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/Last-Event-ID/) });
    const post = await h.get('/api/now', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toEqual({ error: expect.stringMatching(/read-only/) });
  });

  it('exposes polls by format and outcome, changes, lag, bytes, streams, health and write time to Prometheus', async () => {
    const res = await h.get('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const family of ['onair_polls_total counter', 'onair_changes_total counter', 'onair_schedule_lag_seconds histogram', 'onair_bytes_read_total counter', 'onair_live_streams gauge', 'onair_stations gauge', 'onair_db_write_seconds histogram', 'onair_sse_clients gauge'])
      expect(text).toContain(`# TYPE ${family}`);
    const polls = h.crawl.crawler.pipeline.stats.polls;
    expect(text).toContain(`onair_polls_total{format="shoutcast-v1",outcome="ok"} ${polls}`);
    expect(text).toContain(`onair_changes_total ${h.crawl.crawler.pipeline.stats.changes}`);
    expect(text).toContain(`onair_schedule_lag_seconds_count ${polls}`);
    expect(text).toContain('onair_stations{health="ok"} 3');
    expect(text).toMatch(/onair_db_write_seconds_count [1-9]/);
    expect(text).toMatch(/onair_bytes_read_total\{via="http"\} [1-9]/);
  });

  it('keeps one sample a minute of changes, polls and lag for the chart', async () => {
    const { body } = await json('/api/stats');
    const minutes = body.minutes as { at: string; changes: number; polls: number; lagMeanMs: number }[];
    // Seven 10-second rounds: one full minute so far.
    expect(minutes).toHaveLength(1);
    expect(minutes[0]).toEqual({ at: '2026-11-28T10:01:00.000Z', changes: expect.any(Number), polls: expect.any(Number), failures: 0, lagMeanMs: expect.any(Number), lagMaxMs: expect.any(Number) });
    // Where in the minute each poll falls depends on the spread of start times: bounds, not exact counts.
    const { stats } = h.crawl.crawler.pipeline;
    expect(minutes[0]!.changes).toBeGreaterThanOrEqual(3 + 4);
    expect(minutes[0]!.changes).toBeLessThanOrEqual(stats.changes);
    expect(minutes[0]!.polls).toBeGreaterThanOrEqual(3 * 5);
    expect(minutes[0]!.polls).toBeLessThanOrEqual(stats.polls);
    expect(body.now).toMatchObject({ stations: 3, liveStreams: 0 });
  });

  it('serves the page, its script and its stylesheet with their content types', async () => {
    for (const [path, type, start] of [
      ['/', 'text/html; charset=utf-8', '<!doctype html>'],
      ['/board.js', 'text/javascript; charset=utf-8', '//'],
      ['/board.css', 'text/css; charset=utf-8', ':root'],
    ] as const) {
      const res = await h.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toMatch(new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    }
    expect((await h.get('/index.html')).status).toBe(404);
  });

  it('reports healthy while the database is open and the crawler runs', async () => {
    expect(await json('/healthz')).toEqual({ status: 200, type: 'application/json; charset=utf-8', body: { status: 'ok' } });
  });
});

describe('health of a stopped crawler', () => {
  it('answers /healthz with 503 once the crawler has stopped', async () => {
    const h = await startApiHarness({ stations: 1 });
    try {
      await h.crawl.crawler.stop();
      const res = await h.get('/healthz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'the crawler is not running' });
    } finally {
      await h.close();
    }
  });
});
