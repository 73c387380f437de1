import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REDIRECTS, openStream, requestHead } from '../../../src/fetch/stream/connection.ts';
import { readStreamSnapshot } from '../../../src/fetch/stream/reader.ts';
import { startIcyServer, type IcyServer } from '../../helpers/icy-server.ts';

let server: IcyServer;
afterEach(async () => {
  await server?.close();
});

const snapshot = (path: string) => readStreamSnapshot(server.url(path), { burstBytes: 0 });

describe('requestHead', () => {
  it('writes an HTTP/1.0 GET asking for ICY metadata, with basic auth only when the URL has credentials', () => {
    const head = requestHead(new URL('http://u:p%20w@r.example:8000/live?sid=1'), 'ua');
    expect(head).toBe(
      'GET /live?sid=1 HTTP/1.0\r\nHost: r.example:8000\r\nUser-Agent: ua\r\nAccept: */*\r\nIcy-MetaData: 1\r\nConnection: close\r\n' +
        `Authorization: Basic ${Buffer.from('u:p w').toString('base64')}\r\n\r\n`,
    );
    expect(requestHead(new URL('http://r.example/'), 'ua')).not.toContain('Authorization');
  });
});

describe('openStream', () => {
  it('follows a chain of redirects, relative and absolute', async () => {
    server = await startIcyServer({ '/stream': { metaint: 100, titles: ['Arrived'] } });
    server.mount('/a', { kind: 'redirect', location: '/b' });
    server.mount('/b', { kind: 'redirect', location: server.url('/c'), status: 301 });
    server.mount('/c', { kind: 'redirect', location: 'stream', status: 307 });
    const snap = await snapshot('/a');
    expect(snap.title?.raw).toBe('Arrived');
    expect(server.requests.map((r) => r.path)).toEqual(['/a', '/b', '/c', '/stream']);
    expect(snap.bytesRead).toBe(server.requests.reduce((n, r) => n + r.bytesSent, 0));
  });

  it('gives up on a redirect loop after MAX_REDIRECTS redirects', async () => {
    server = await startIcyServer({ '/ping': { kind: 'redirect', location: '/pong' }, '/pong': { kind: 'redirect', location: '/ping' } });
    await expect(snapshot('/ping')).rejects.toMatchObject({ name: 'ResponseError', code: 'ONAIR_TOO_MANY_REDIRECTS', status: 302 });
    expect(server.requests).toHaveLength(MAX_REDIRECTS + 1);
  });

  it('refuses a redirect to anything but http or https', async () => {
    server = await startIcyServer({ '/ftp': { kind: 'redirect', location: 'ftp://r.example/file' } });
    await expect(snapshot('/ftp')).rejects.toMatchObject({ code: 'ONAIR_BAD_REDIRECT' });
  });

  it('follows a .pls playlist to the first stream that answers', async () => {
    server = await startIcyServer({ '/ok': { head: 'icy', metaint: 100, titles: ['From playlist'] } });
    server.mount('/listen.pls', { kind: 'playlist', body: `[playlist]\nFile1=${server.url('/missing')}\nFile2=/ok\nNumberOfEntries=2\n` });
    const snap = await snapshot('/listen.pls');
    expect(snap.title?.raw).toBe('From playlist');
    expect(server.requests.map((r) => r.path)).toEqual(['/listen.pls', '/missing', '/ok']);
  });

  it('follows an .m3u served with a playlist content type under any name', async () => {
    server = await startIcyServer({ '/s': { metaint: 100, titles: ['M3U'] } });
    server.mount('/tunein', { kind: 'playlist', body: '#EXTM3U\n#EXTINF:-1,Radio\n/s\n', contentType: 'audio/x-mpegurl' });
    expect((await snapshot('/tunein')).title?.raw).toBe('M3U');
  });

  it('fails with the last entry’s error when no playlist entry answers, and on an empty playlist', async () => {
    server = await startIcyServer({
      '/dead.m3u': { kind: 'playlist', body: '/nope1\n/nope2\n', contentType: 'audio/x-mpegurl' },
      '/empty.pls': { kind: 'playlist', body: '[playlist]\nNumberOfEntries=0\n' },
    });
    await expect(snapshot('/dead.m3u')).rejects.toMatchObject({ code: 'ONAIR_HTTP_STATUS', status: 404 });
    await expect(snapshot('/empty.pls')).rejects.toMatchObject({ code: 'ONAIR_EMPTY_PLAYLIST' });
  });

  it('stops a playlist that points to itself', async () => {
    server = await startIcyServer({ '/self.pls': { kind: 'playlist', body: '[playlist]\nFile1=/self.pls\n' } });
    await expect(snapshot('/self.pls')).rejects.toMatchObject({ code: 'ONAIR_TOO_MANY_REDIRECTS' });
  });

  it('reports an HTTP error status with the status', async () => {
    server = await startIcyServer({});
    await expect(snapshot('/nothing')).rejects.toMatchObject({ name: 'ResponseError', code: 'ONAIR_HTTP_STATUS', status: 404 });
  });

  it('reports a refused connection as NetworkError ECONNREFUSED', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    await expect(readStreamSnapshot(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ name: 'NetworkError', code: 'ONAIR_NETWORK', detail: 'ECONNREFUSED', policy: 'backoff' });
  });

  it('times out a TLS handshake that never completes as ONAIR_CONNECT_TIMEOUT', async () => {
    server = await startIcyServer({}); // plain TCP: it never answers a ClientHello
    const err = await openStream(`https://127.0.0.1:${server.port}/`, { connectTimeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'NetworkError', code: 'ONAIR_CONNECT_TIMEOUT' });
  });

  it('rejects a stream URL that is not http or https', async () => {
    await expect(openStream('ftp://r.example/x')).rejects.toMatchObject({ code: 'ONAIR_BAD_URL', policy: 'disable' });
  });

  it('rejects at once when the signal is already aborted', async () => {
    server = await startIcyServer({ '/s': { metaint: 100, titles: ['x'] } });
    await expect(openStream(server.url('/s'), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.requests).toHaveLength(0);
  });
});
