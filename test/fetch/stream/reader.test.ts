import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { openLiveStream, readStreamSnapshot } from '../../../src/fetch/stream/reader.ts';
import type { NowPlaying } from '../../../src/types.ts';
import { startIcyServer, type IcyServer, type RecordedRequest } from '../../helpers/icy-server.ts';

let server: IcyServer;
afterEach(async () => {
  await server?.close();
});

const raw = (text: string): NowPlaying => ({ raw: text, artist: null, title: null });
/** Resolves when the server sees the connection to `path` close. */
const disconnected = (path: string) =>
  new Promise<RecordedRequest>((resolve) => {
    const on = (r: RecordedRequest) => r.path === path && (server.events.off('disconnect', on), resolve(r));
    server.events.on('disconnect', on);
  });

/** Live-mode harness: collects titles and lets a test await the nth one. */
function titleLog() {
  const titles: NowPlaying[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    titles,
    onTitle(t: NowPlaying) {
      titles.push(t);
      for (const w of waiters.filter((w) => titles.length >= w.n)) w.resolve();
    },
    until: (n: number) => new Promise<void>((resolve) => (titles.length >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

describe('readStreamSnapshot', () => {
  it.each(['http', 'icy', 'none'] as const)('reads the title and station headers from a %s head', async (head) => {
    server = await startIcyServer({
      '/live': { head, metaint: 8192, titles: ['Café del Mar - Läuft'], headers: { 'icy-name': 'Ràdio Ü', 'icy-genre': 'Chill', 'icy-br': '128' } },
    });
    const snap = await readStreamSnapshot(server.url('/live'), { burstBytes: 0 });
    expect(snap.title).toEqual(raw('Café del Mar - Läuft'));
    expect(snap.headers).toEqual({ name: 'Ràdio Ü', genre: 'Chill', bitrate: '128', contentType: 'audio/mpeg' });
  });

  it('reads a SHOUTcast v1 server that answers exactly "ICY 200 OK"', async () => {
    server = await startIcyServer({ '/': { head: 'icy', metaint: 8192, titles: ["Say 'Hi'; Bye"] } });
    const snap = await readStreamSnapshot(server.url('/'), { burstBytes: 0 });
    expect(snap.title?.raw).toBe("Say 'Hi'; Bye");
  });

  it('sends a GET with Icy-MetaData: 1, a User-Agent and basic auth from the URL', async () => {
    server = await startIcyServer({ '/auth': { metaint: 100, titles: ['T'] } });
    await readStreamSnapshot(`${server.url('/auth', 'us%40r:p%3Ass')}?x=1`, { burstBytes: 0 });
    expect(server.requests[0]!.headers).toMatchObject({
      'icy-metadata': '1',
      'user-agent': expect.stringContaining('onair'),
      host: `127.0.0.1:${server.port}`,
      authorization: `Basic ${Buffer.from('us@r:p:ss').toString('base64')}`,
    });
  });

  it('returns the newest title of a connect burst that replays stale ones', async () => {
    server = await startIcyServer({ '/burst': { metaint: 16000, burst: 3, titles: ['Old 1', 'Old 2', 'Now'] } });
    expect((await readStreamSnapshot(server.url('/burst'))).title).toEqual(raw('Now'));
  });

  it('ends the burst when the socket pauses before burstBytes', async () => {
    server = await startIcyServer({ '/short': { metaint: 1000, burst: 2, burstBytes: 5000, titles: ['Stale', 'Current'] } });
    const snap = await readStreamSnapshot(server.url('/short'), { pauseMs: 30 });
    expect(snap.title).toEqual(raw('Current'));
  });

  it('reads Ogg Vorbis and Opus tags, also with no head and no content type (sniffed)', async () => {
    server = await startIcyServer({
      '/vorbis.ogg': { kind: 'ogg', codec: 'vorbis', titles: ['Björk - Jóga'] },
      '/opus': { kind: 'ogg', codec: 'opus', head: 'bare', contentType: '', titles: ['Solo title'], maxSegments: 1 },
    });
    expect((await readStreamSnapshot(server.url('/vorbis.ogg'), { burstBytes: 0 })).title).toEqual({ raw: 'Björk - Jóga', artist: 'Björk', title: 'Jóga' });
    expect((await readStreamSnapshot(server.url('/opus'), { burstBytes: 0 })).title).toEqual({ raw: 'Solo title', artist: null, title: 'Solo title' });
  });

  it('counts every byte read, head included', async () => {
    server = await startIcyServer({ '/count': { metaint: 500, titles: ['Counted'] } });
    const snap = await readStreamSnapshot(server.url('/count'), { burstBytes: 0 });
    expect(snap.bytesRead).toBe(server.requests[0]!.bytesSent);
    expect(snap.bytesRead).toBeGreaterThan(500);
  });

  it('applies the station charset to ICY title bytes', async () => {
    server = await startIcyServer({ '/cp': { metaint: 64, titles: [Buffer.from('Ã©t\xe9', 'latin1')] } });
    expect((await readStreamSnapshot(server.url('/cp'), { burstBytes: 0 })).title?.raw).toBe('Ã©té');
    expect((await readStreamSnapshot(server.url('/cp'), { burstBytes: 0, charset: 'utf-8' })).title?.raw).toBe('ét\ufffd');
  });

  it('fails with ONAIR_NO_METADATA for a stream without icy-metaint that is not Ogg', async () => {
    server = await startIcyServer({ '/mp3': { metaint: null }, '/bare': { head: 'bare', metaint: null } });
    const noMetadata = expect.objectContaining({ code: 'ONAIR_NO_METADATA', policy: 'rare', message: expect.stringContaining('no in-stream metadata') });
    await expect(readStreamSnapshot(server.url('/mp3'))).rejects.toEqual(noMetadata);
    await expect(readStreamSnapshot(server.url('/bare'))).rejects.toEqual(noMetadata);
  });

  it('fails with ONAIR_TOO_LARGE when no title comes within maxBytes', async () => {
    server = await startIcyServer({ '/silent': { metaint: 1000, burst: 1, titles: [] } });
    await expect(readStreamSnapshot(server.url('/silent'), { maxBytes: 20_000 })).rejects.toMatchObject({ code: 'ONAIR_TOO_LARGE' });
  });

  it('returns no title when the server closes right after the head', async () => {
    server = await startIcyServer({ '/gone': { metaint: 100, closeAfterHead: true } });
    expect((await readStreamSnapshot(server.url('/gone'))).title).toBeNull();
  });

  it('times out on a server that stalls before or after the head, closes the socket, and keeps credentials out of the message', async () => {
    server = await startIcyServer({ '/mute': { stall: 'before-head' }, '/stuck': { metaint: 100, stall: 'after-head' } });
    const closed = disconnected('/mute');
    const err = await readStreamSnapshot(server.url('/mute', 'user:secret'), { firstByteTimeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'NetworkError', code: 'ONAIR_FIRST_BYTE_TIMEOUT' });
    expect(String((err as Error).message)).not.toContain('secret');
    await closed;
    await expect(readStreamSnapshot(server.url('/stuck'), { idleTimeoutMs: 50 })).rejects.toMatchObject({ code: 'ONAIR_IDLE_TIMEOUT' });
  });

  it('destroys the socket when aborted', async () => {
    server = await startIcyServer({ '/stuck': { metaint: 100, stall: 'after-head' } });
    const controller = new AbortController();
    const reading = readStreamSnapshot(server.url('/stuck'), { signal: controller.signal });
    await once(server.events, 'request');
    const closed = disconnected('/stuck');
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    await closed;
    expect(server.listeners()).toBe(0);
  });
});

describe('openLiveStream', () => {
  it('reports the first title and each change on one connection, and closes it on abort', async () => {
    server = await startIcyServer({ '/live': { head: 'icy', metaint: 2000, titles: ['First'] } });
    const log = titleLog();
    const controller = new AbortController();
    const live = openLiveStream(server.url('/live'), { signal: controller.signal, burstBytes: 0, onTitle: log.onTitle });
    await log.until(1);
    server.setTitle('/live', 'Second');
    await log.until(2);
    server.tick('/live'); // L = 0: no change
    server.setTitle('/live', 'Third');
    await log.until(3);
    expect(log.titles).toEqual([raw('First'), raw('Second'), raw('Third')]);
    expect(server.requests).toHaveLength(1);
    const closed = disconnected('/live');
    controller.abort();
    await expect(live).rejects.toMatchObject({ name: 'AbortError' });
    await closed;
  });

  it('skips the stale titles of the burst and reports the current one first', async () => {
    server = await startIcyServer({ '/burst': { metaint: 16000, burst: 3, titles: ['Old 1', 'Old 2', 'Now'] } });
    const log = titleLog();
    const controller = new AbortController();
    const live = openLiveStream(server.url('/burst'), { signal: controller.signal, onTitle: log.onTitle });
    await log.until(1);
    server.setTitle('/burst', 'Next');
    await log.until(2);
    expect(log.titles).toEqual([raw('Now'), raw('Next')]);
    controller.abort();
    await live.catch(() => {});
  });

  it('reports chained Ogg tracks and leaves out a track that repeats the title', async () => {
    server = await startIcyServer({ '/ogg': { kind: 'ogg', codec: 'opus', titles: ['A - One'] } });
    const log = titleLog();
    const headers: unknown[] = [];
    const controller = new AbortController();
    const live = openLiveStream(server.url('/ogg'), { signal: controller.signal, burstBytes: 0, onTitle: log.onTitle, onHeaders: (h) => headers.push(h) });
    await log.until(1);
    server.setTitle('/ogg', 'A - One');
    server.setTitle('/ogg', 'B - Two');
    await log.until(2);
    expect(log.titles).toEqual([
      { raw: 'A - One', artist: 'A', title: 'One' },
      { raw: 'B - Two', artist: 'B', title: 'Two' },
    ]);
    expect(headers).toEqual([{ contentType: 'application/ogg' }]);
    controller.abort();
    await live.catch(() => {});
  });

  it('resolves with the bytes read when the server ends the stream cleanly', async () => {
    server = await startIcyServer({ '/end': { metaint: 300, titles: ['Last'] } });
    const log = titleLog();
    const meter = { bytes: 0 };
    const live = openLiveStream(server.url('/end'), { signal: new AbortController().signal, burstBytes: 0, meter, onTitle: log.onTitle });
    await log.until(1);
    server.end('/end');
    const stats = await live;
    expect(stats).toEqual({ bytesRead: server.requests[0]!.bytesSent, titles: 1 });
    expect(meter.bytes).toBe(stats.bytesRead);
  });

  it('rejects with ONAIR_IDLE_TIMEOUT when the stream stops sending', async () => {
    server = await startIcyServer({ '/idle': { metaint: 300, titles: ['Then silence'] } });
    const log = titleLog();
    const live = openLiveStream(server.url('/idle'), { signal: new AbortController().signal, burstBytes: 0, idleTimeoutMs: 50, onTitle: log.onTitle });
    await expect(live).rejects.toMatchObject({ code: 'ONAIR_IDLE_TIMEOUT' });
    expect(log.titles).toEqual([raw('Then silence')]);
  });
});
