// One fetch per status page per round, also for a round that runs late: the real HttpClient against a real
// server on 127.0.0.1 that closes after each reply (as Icecast does), on a manual clock. A poll is served by
// its round's fetch however long it waited for a slot, and never by an older round's, even one that ran late.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { HttpClient } from '../../src/fetch/http.ts';
import { FeedCache } from '../../src/pipeline/feed-cache.ts';

const INTERVAL = 10_000;
const T0 = Date.parse('2026-12-06T10:00:00.000Z');

let server: http.Server;
let url: string;
let requests = 0;
const signal = new AbortController().signal;
const decode = (body: Uint8Array) => JSON.parse(new TextDecoder().decode(body)) as unknown;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ fetch: requests }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status-json.xsl`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A cache on a manual clock at T0 and a real client, closed after `use`; `get` polls the feed for a round due at `dueAt`. */
async function withCache(use: (clock: ManualClock, get: (dueAt: number) => Promise<unknown>) => Promise<void>): Promise<void> {
  const clock = new ManualClock(T0);
  const http = new HttpClient();
  const cache = new FeedCache(http, clock);
  try {
    await use(clock, async (dueAt) => (await cache.get(url, decode, { dueAt, maxAgeMs: INTERVAL / 2, signal })).doc);
  } finally {
    await http.close();
  }
}

describe('FeedCache', () => {
  it('serves every station of a round from its one fetch, even a poll that starts late, and fetches again for the next round', () =>
    withCache(async (clock, get) => {
      const before = requests;
      expect(await get(T0)).toEqual({ fetch: before + 1 });
      // A station of the same page, due at the same moment, that waited 8 s in a backlog for its slot.
      await clock.advance(8_000);
      expect(await get(T0)).toEqual({ fetch: before + 1 });
      expect(requests).toBe(before + 1);
      // The next round (due at T0 + 10 s), started late too: its own fetch, not the last round's document.
      await clock.advance(4_000);
      expect(await get(T0 + INTERVAL)).toEqual({ fetch: before + 2 });
      expect(await get(T0 + INTERVAL)).toEqual({ fetch: before + 2 });
      expect(requests).toBe(before + 2);
    }));

  it("does not serve a late poll with the last round's fetch that ran late too", () =>
    withCache(async (clock, get) => {
      const before = requests;
      // Round 1's poll (due at T0) got its slot 6 s late; round 2's (due at T0 + 10 s) gets its slot at T0 + 16 s.
      await clock.advance(6_000);
      expect(await get(T0)).toEqual({ fetch: before + 1 });
      await clock.advance(10_000);
      expect(await get(T0 + INTERVAL)).toEqual({ fetch: before + 2 });
    }));

  it('fetches anew for a poll due more than half an interval after the last fetch began', () =>
    withCache(async (clock, get) => {
      const before = requests;
      await get(T0);
      // A station of the same page on its own phase (it backed off after failures), due 6 s later.
      await clock.advance(6_000);
      await get(T0 + 6_000);
      expect(requests).toBe(before + 2);
    }));
});
