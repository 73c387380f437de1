// The whole crawler on PostgreSQL (`--db postgres://…`): the farm's changes recorded once, in order; the HTTP
// API, SSE resume, `onair export` and `onair now` reading the same database; a server restart mid-run losing
// nothing (the writes wait in memory and go in once the server is back).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../../src/store/contract.ts';
import { startApiHarness, song, type ApiHarness } from '../api/harness.ts';
import { openEvents } from '../api/sse-client.ts';
import { onair } from '../helpers/onair-bin.ts';
import { HAVE_POSTGRES, startPostgres, type PostgresCluster } from '../helpers/postgres.ts';

describe.skipIf(!HAVE_POSTGRES)('onair on PostgreSQL', () => {
  let cluster: PostgresCluster;
  let url: string;
  let h: ApiHarness;
  let a: string, b: string;

  beforeAll(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    h = await startApiHarness({ stations: 2, crawl: { db: url } });
    [a, b] = h.stations.map((s) => s.id) as [string, string];
  });
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  const raws = async (station: string) => (await readAll(h.crawl.crawler.store.history({ stations: [station] }))).map((p) => p.raw);

  it('records every change once, in order, and serves it through the API', async () => {
    await h.play({ [a]: song('Nina Simone', 'Feeling Good'), [b]: song('Miles Davis', 'So What') });
    await h.play({ [a]: song('Nina Simone', 'Feeling Good') });
    await h.play({ [a]: song('Nina Simone', 'Sinnerman'), [b]: null });
    expect(await raws(a)).toEqual(['Nina Simone - Feeling Good', 'Nina Simone - Sinnerman']);
    expect(await raws(b)).toEqual(['Miles Davis - So What']);
    const now = (await (await h.get('/api/now')).json()) as { stations: { station: string; raw: string | null; health: string }[] };
    expect(now.stations.map((s) => [s.station, s.raw, s.health])).toEqual([
      [a, 'Nina Simone - Sinnerman', 'ok'],
      [b, null, 'ok'],
    ]);
    const history = (await (await h.get(`/api/stations/${a}/history?limit=1`)).json()) as { plays: { raw: string }[]; next: string | null };
    expect(history.plays.map((p) => p.raw)).toEqual(['Nina Simone - Sinnerman']);
    expect(history.next).not.toBeNull();
    expect((await h.get('/healthz')).status).toBe(200);
  });

  it('resumes an event stream from its Last-Event-ID out of the database, then goes on live', async () => {
    const firstId = Math.min(...(await readAll(h.crawl.crawler.store.history({}))).map((p) => p.id));
    const client = await openEvents(`${h.api.url}/api/events`, { 'last-event-id': String(firstId) });
    try {
      // Everything committed after the first play (the other first play and a's second), in id order.
      const replayed = [await client.nextPlay(), await client.nextPlay()];
      expect(replayed[0]!.id).toBeLessThan(replayed[1]!.id);
      expect(replayed.map((e) => e.play.raw)).toContain('Nina Simone - Sinnerman');
      await h.play({ [b]: song('John Coltrane', 'Naima') });
      expect((await client.nextPlay()).play).toMatchObject({ station: b, raw: 'John Coltrane - Naima' });
    } finally {
      client.close();
    }
  });

  it('exports the history and shows now-playing from the command line', async () => {
    const stations = join(h.crawl.dir, 'stations.json');
    const exported = await onair(['export', '--db', url]);
    expect(exported.code, exported.stderr).toBe(0);
    const plays = JSON.parse(exported.stdout) as { station: string; raw: string }[];
    const of = (station: string) => plays.filter((p) => p.station === station).map((p) => p.raw);
    expect(of(a)).toEqual(['Nina Simone - Feeling Good', 'Nina Simone - Sinnerman']);
    expect(of(b)).toEqual(['Miles Davis - So What', 'John Coltrane - Naima']);
    const now = await onair(['now', '--db', url, '--stations', stations, '--json']);
    expect(now.code, now.stderr).toBe(0);
    expect((JSON.parse(now.stdout) as { station: string; play: { raw: string } | null }[]).map((r) => [r.station, r.play?.raw ?? null])).toEqual([
      [a, 'Nina Simone - Sinnerman'],
      [b, 'John Coltrane - Naima'],
    ]);
  });

  it('keeps the writes of a round the server missed and commits them once it is back', async () => {
    cluster.stopServer();
    await expect(h.play({ [a]: song('Etta James', 'At Last') })).rejects.toThrow();
    expect(h.crawl.crawler.store.pending()).toBeGreaterThan(0);
    cluster.start();
    await h.play({ [b]: song('Billie Holiday', 'Strange Fruit') });
    expect(h.crawl.crawler.store.pending()).toBe(0);
    expect((await raws(a)).at(-1)).toBe('Etta James - At Last');
    expect((await raws(b)).at(-1)).toBe('Billie Holiday - Strange Fruit');
    expect(await raws(a)).toEqual(['Nina Simone - Feeling Good', 'Nina Simone - Sinnerman', 'Etta James - At Last']);
  });

  it('refuses to start with a clear error and exit code 1 when the server does not answer', async () => {
    const file = join(h.crawl.dir, 'one.json');
    writeFileSync(file, JSON.stringify({ stations: [] }));
    const r = await onair(['run', '--stations', file, '--db', 'postgres://onair:pw@127.0.0.1:9/onair']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach PostgreSQL at postgres://***@127.0.0.1:9/onair: ECONNREFUSED');
    expect(r.stdout).not.toContain('crawler started');
  });
});
