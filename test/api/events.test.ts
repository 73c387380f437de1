// GET /api/events: Server-Sent Events from a real crawler on a manual clock. Each test changes songs on the
// farm, runs a poll round and awaits the events; nothing sleeps.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toExportedPlay } from '../../src/export/history.ts';
import { song, startApiHarness, type ApiHarness } from './harness.ts';
import { openEvents, type SseClient } from './sse-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { readAll } from '../../src/store/contract.ts';

const eventClients = async (url: string) => ((await (await fetch(`${url}/api/stats`)).json()) as { now: { eventClients: number } }).now.eventClients;

describe('live play events over Server-Sent Events', () => {
  let h: ApiHarness;
  let a: string, b: string, c: string;
  const clients: SseClient[] = [];
  const open = async (query = '', headers: Record<string, string> = {}) => {
    const client = await openEvents(`${h.api.url}/api/events${query}`, headers);
    clients.push(client);
    return client;
  };
  const latestPlay = async (station: string) => (await readAll(h.crawl.crawler.store.history({ stations: [station], newestFirst: true, limit: 1 })))[0]!;

  beforeAll(async () => {
    h = await startApiHarness({ stations: 3 });
    [a, b, c] = h.stations.map((s) => s.id) as [string, string, string];
    await h.play({ [a]: song('A', 'first'), [b]: song('B', 'first'), [c]: song('C', 'first') });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await h?.close();
  });

  it('sends one play event per change, with the play row id and the play in the export format', async () => {
    const client = await open();
    expect(client.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await h.play({ [a]: song('Nina Simone', 'Feeling Good') });
    const event = await client.nextPlay();
    const stored = (await latestPlay(a));
    expect(event).toEqual({ id: stored.id, play: toExportedPlay(stored) });
    expect(event.play).toMatchObject({ station: a, raw: 'Nina Simone - Feeling Good', artist: 'Nina Simone', title: 'Feeling Good', endedAt: null, source: 'feed' });
    // The previous play's end is the database's business; one change is one event.
    await h.play({ [b]: song('B', 'second') });
    expect((await client.nextPlay()).play).toMatchObject({ station: b, title: 'second' });
  });

  it('sends an end event, without an id, when a station goes silent', async () => {
    const client = await open();
    const onAir = (await latestPlay(c));
    await h.play({ [c]: null });
    let m = await client.next();
    while (m.event === 'comment') m = await client.next();
    expect(m.event).toBe('end');
    expect(m.id).toBeUndefined();
    expect(JSON.parse(m.data)).toEqual(toExportedPlay((await latestPlay(c))));
    expect(JSON.parse(m.data)).toMatchObject({ station: c, raw: onAir.raw, endedAt: expect.any(String) });
    // On air again: a play event, as ever.
    await h.play({ [c]: song('C', 'back') });
    expect((await client.nextPlay()).play).toMatchObject({ station: c, title: 'back' });
  });

  it('replays what a client missed from its Last-Event-ID, then goes on live without repeats', async () => {
    const first = await open();
    await h.play({ [a]: song('A', 'before the gap') });
    const seen = await first.nextPlay();
    first.close();
    await h.play({ [b]: song('B', 'in the gap') });
    await h.play({ [c]: song('C', 'in the gap') });
    const back = await open('', { 'last-event-id': String(seen.id) });
    const replayed = [await back.nextPlay(), await back.nextPlay()];
    expect(replayed.map((e) => [e.id, e.play.station, e.play.title])).toEqual([
      [seen.id + 1, b, 'in the gap'],
      [seen.id + 2, c, 'in the gap'],
    ]);
    await h.play({ [a]: song('A', 'after the gap') });
    expect(await back.nextPlay()).toMatchObject({ id: seen.id + 3, play: { station: a, title: 'after the gap' } });
  });

  it('lets a station filter, given once or repeated, through only the chosen stations', async () => {
    const onlyB = await open(`?station=${b}`);
    const aAndC = await open(`?station=${a}&station=${c}`);
    await h.play({ [a]: song('A', 'filtered') });
    await h.play({ [b]: song('B', 'wanted') });
    await h.play({ [c]: song('C', 'wanted too') });
    expect((await onlyB.nextPlay()).play).toMatchObject({ station: b, title: 'wanted' });
    expect([(await aAndC.nextPlay()).play.station, (await aAndC.nextPlay()).play.station]).toEqual([a, c]);
  });

  it('sends a heartbeat comment to idle streams every 15 seconds', async () => {
    const idle = await open();
    await h.crawl.clock.advance(15_000);
    expect(await idle.next()).toEqual({ event: 'comment', id: undefined, data: 'heartbeat' });
  });

  it('refuses clients past the cap with 503 and a JSON error, and takes one again when a place frees', async () => {
    const capped = await h.startServer({ maxEventClients: 2 });
    const [one] = [await openEvents(`${capped.url}/api/events`), await openEvents(`${capped.url}/api/events`)];
    const refused = await fetch(`${capped.url}/api/events`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: 'too many event clients (2); retry later' });
    one!.close();
    await waitFor(async () => (await eventClients(capped.url)) === 1, { what: 'the server to see the client leave' });
    const third = await openEvents(`${capped.url}/api/events`);
    expect(third.res.statusCode).toBe(200);
    await capped.close();
  });
});

describe('a client that stops reading', () => {
  it('is dropped once its unsent bytes pass the cap, while polling, writes and other clients go on', async () => {
    const h = await startApiHarness({ stations: 4, server: { maxClientBufferBytes: 64 * 1024 } });
    try {
      const ids = h.stations.map((s) => s.id);
      // A raw socket that asks for events and then never reads: the kernel buffers fill, then ours would.
      const stalled = connect(h.api.address.port, '127.0.0.1');
      stalled.write('GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
      stalled.pause();
      const reader = await openEvents(`${h.api.url}/api/events`);
      await waitFor(async () => (await eventClients(h.api.url)) === 2, { what: 'both clients to connect' });
      const big = 'x'.repeat(48 * 1024);
      let rounds = 0;
      let received = 0;
      while ((await eventClients(h.api.url)) === 2) {
        if (++rounds > 500) throw new Error('the stalled client was never dropped');
        await h.play(Object.fromEntries(ids.map((id) => [id, song(`Round ${rounds}`, `${id} ${big}`)])));
        for (const _ of ids) expect((await reader.nextPlay()).play.artist).toBe(`Round ${rounds}`), received++;
      }
      expect(rounds).toBeGreaterThan(1);
      // Every change was still polled, written and sent to the client that reads.
      expect(received).toBe(rounds * ids.length);
      const written = await Promise.all(ids.map(async (id) => (await readAll(h.crawl.crawler.store.history({ stations: [id] }))).length));
      expect(written).toEqual(ids.map(() => rounds));
      reader.close();
      stalled.destroy();
    } finally {
      await h.close();
    }
  });
});
