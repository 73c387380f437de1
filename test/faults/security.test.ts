// Security checks as tests: credentials in station URLs reach no log line, no export, no stored error, no
// error message and no other origin; only http and https are accepted, in stations.json and on redirects
// and playlists; XML entities are never expanded; station data is never a path or a shell word; the
// database and stations.json are private to their owner (0600).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { OnairError } from '../../src/errors.ts';
import { writeHistoryJson } from '../../src/export/history.ts';
import { HttpClient } from '../../src/fetch/http.ts';
import { readStreamSnapshot } from '../../src/fetch/stream/reader.ts';
import { createLogger } from '../../src/log.ts';
import { validateStations } from '../../src/stations/schema.ts';
import { startFeedFarm, type FeedFarm } from '../farm/feed-farm.ts';
import { startTestCrawl, tempDir } from '../helpers/crawl.ts';
import { startIcyServer, type IcyServer } from '../helpers/icy-server.ts';
import { onair } from '../helpers/onair-bin.ts';
import { startFaultServer, type FaultServer } from './fault-server.ts';
import { readAll } from '../../src/store/contract.ts';

const SECRETS = ['Farm-S3cret-77', 'Wrong-S3cret-1', 'Dns-S3cret-2', 'Refused-S3cret-3', 'Stream-S3cret-4', 'NoMeta-S3cret-5', 'Redir-S3cret-6', 'Add-S3cret-7'];
/** A secret also shows up base64-encoded in a Basic header: look for that too. */
const needles = (secret: string) => [secret, Buffer.from(`u:${secret}`).toString('base64'), Buffer.from(`admin:${secret}`).toString('base64'), encodeURIComponent(secret)];

function expectNoSecret(text: string, where: string): void {
  for (const s of SECRETS) for (const n of needles(s)) expect(text.includes(n), `${where} holds a credential (${n})`).toBe(false);
}

/** A server that answers `/redirect` with a redirect to `target`, and records every request's headers. */
async function startRecorder(answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string }): Promise<{ origin: string; seen: { path: string; headers: IncomingHttpHeaders }[]; close(): Promise<void> }> {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const a = answer(req.url ?? '');
    res.writeHead(a.status, a.headers).end(a.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const SHOUTCAST = '<?xml version="1.0"?><SHOUTCASTSERVER><STREAMSTATUS>1</STREAMSTATUS><SONGTITLE>Elsewhere - Song</SONGTITLE></SHOUTCASTSERVER>';

describe('credentials in station URLs', () => {
  let farm: FeedFarm;
  let faults: FaultServer;
  let icy: IcyServer;
  let elsewhere: Awaited<ReturnType<typeof startRecorder>>;
  let redirector: Awaited<ReturnType<typeof startRecorder>>;

  beforeAll(async () => {
    farm = await startFeedFarm({ stations: 2, kinds: ['icecast-xml'], adminPassword: 'Farm-S3cret-77' });
    farm.stations.forEach((s, i) => farm.setSong(s.id, { artist: `Admin ${i}`, title: 'Song' }));
    faults = await startFaultServer();
    icy = await startIcyServer({ '/live': { head: 'http', metaint: 1000, titles: ['Stream - Song'] } });
    elsewhere = await startRecorder(() => ({ status: 200, headers: { 'content-type': 'text/xml' }, body: SHOUTCAST }));
    redirector = await startRecorder(() => ({ status: 302, headers: { location: `${elsewhere.origin}/stats?sid=1` } }));
  });

  afterAll(async () => {
    await Promise.all([farm?.close(), faults?.close(), icy?.close(), elsewhere?.close(), redirector?.close()]);
  });

  it('appear in no log line, no stored error, no export and nowhere in the database file', async () => {
    const lines: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
    const [good, wrong] = farm.stations;
    const goodFeed = (farm.stationEntry(good!) as { feed: { url: string } }).feed;
    const wrongFeed = { ...(farm.stationEntry(wrong!) as { feed: object }).feed, url: goodFeed.url.replace('Farm-S3cret-77', 'Wrong-S3cret-1').replace(`/${good!.kind}/`, `/${wrong!.kind}/`) };
    const crawl = await startTestCrawl(
      [
        { id: 'admin-ok', feed: goodFeed },
        { id: 'admin-401', feed: wrongFeed },
        { id: 'dns', feed: { url: 'http://u:Dns-S3cret-2@onair-secret.invalid/7.html', format: 'shoutcast-v1' } },
        { id: 'refused', feed: { url: 'http://u:Refused-S3cret-3@127.0.0.1:9/7.html', format: 'shoutcast-v1' } },
        { id: 'stream-ok', stream: { url: icy.url('/live', 'u:Stream-S3cret-4'), mode: 'snapshot' } },
        { id: 'stream-no-meta', stream: { url: faults.url('icy-no-metaint', 'u:NoMeta-S3cret-5'), mode: 'snapshot' } },
        { id: 'redirected', feed: { url: `${redirector.origin.replace('//', '//u:Redir-S3cret-6@')}/stats?sid=1`, format: 'shoutcast-v2' } },
      ],
      { logger, http: { connectTimeoutMs: 500, headersTimeoutMs: 500, totalTimeoutMs: 1500 } },
    );
    try {
      for (let r = 0; r < 3; r++) await crawl.round(10_000);
      logger.flush?.();
      const health = (await crawl.crawler.store.nowPlaying());
      const byId = new Map(health.map((h) => [h.station.station, h]));
      // The crawl did what it should: credentials were used where they belong.
      expect(byId.get('admin-ok')!.play?.raw).toBe('Admin 0 - Song');
      expect(byId.get('admin-401')!.station.lastError).toMatch(/^ONAIR_HTTP_STATUS: HTTP 401/);
      expect(byId.get('stream-ok')!.play?.raw).toBe('Stream - Song');
      expect(byId.get('redirected')!.play?.raw).toBe('Elsewhere - Song');
      expect(icy.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('u:Stream-S3cret-4').toString('base64')}`);
      // …and sent to no other origin: the redirect target got no Authorization header.
      expect(redirector.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('u:Redir-S3cret-6').toString('base64')}`);
      expect(elsewhere.seen.length).toBeGreaterThan(0);
      for (const s of elsewhere.seen) expect(s.headers.authorization, 'credentials sent across origins').toBeUndefined();

      expect(lines.length).toBeGreaterThan(5);
      expectNoSecret(lines.join(''), 'the log');
      for (const h of health) expectNoSecret(JSON.stringify(h), `health of ${h.station.station}`);
      const chunks: string[] = [];
      await writeHistoryJson(crawl.crawler.store.history({}), new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }));
      expectNoSecret(chunks.join(''), 'the export');
      await crawl.crawler.flush();
      for (const f of readdirSync(join(crawl.dir, 'data'))) expectNoSecret(readFileSync(join(crawl.dir, 'data', f)).toString('latin1'), `database file ${f}`);
    } finally {
      await crawl.stop();
    }
  });

  it('appear in no error message, stack or cause of a failed fetch or stream read', async () => {
    const http = new HttpClient({ connectTimeoutMs: 500, headersTimeoutMs: 500, totalTimeoutMs: 1000 });
    const failures: unknown[] = [];
    const urls = [
      'http://u:Dns-S3cret-2@onair-secret.invalid/x',
      'http://u:Refused-S3cret-3@127.0.0.1:9/x',
      faults.url('status-404', 'u:Wrong-S3cret-1'),
      faults.url('reset-mid-body', 'u:Redir-S3cret-6'),
      'ftp://u:Add-S3cret-7@127.0.0.1/x',
    ];
    for (const url of urls) await http.get(url).then(() => failures.push(new Error(`no failure for ${url}`)), (err) => failures.push(err));
    await http.close();
    for (const url of [faults.url('icy-no-metaint', 'u:NoMeta-S3cret-5'), 'http://u:Dns-S3cret-2@onair-secret.invalid/x', 'http://u:Refused-S3cret-3@127.0.0.1:9/live']) {
      await readStreamSnapshot(url, { connectTimeoutMs: 500, firstByteTimeoutMs: 500, idleTimeoutMs: 500 }).then(
        () => failures.push(new Error(`no failure for ${url}`)),
        (err) => failures.push(err),
      );
    }
    expect(failures).toHaveLength(8);
    for (const err of failures) {
      expect(err, String(err)).toBeInstanceOf(OnairError);
      const e = err as Error;
      expectNoSecret(`${e.message}\n${e.stack}`, `error ${e.message}`);
      // The cause is what a logger prints with { err }: it must be clean too.
      let cause = e.cause as Error | undefined;
      for (let depth = 0; cause && depth < 5; depth++, cause = cause.cause as Error | undefined) {
        expectNoSecret(`${cause.message}\n${cause.stack ?? ''}`, `cause of ${e.message}: ${cause.message}`);
      }
    }
  });

  it('appear nowhere in what `onair add` prints when the URL fails', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const res = await onair(['add', faults.url('status-404', 'u:Add-S3cret-7'), '--stations', join(dir, 'stations.json')]);
      expect(res.code).not.toBe(0);
      expectNoSecret(res.stdout + res.stderr, 'onair add output');
    } finally {
      cleanup();
    }
  });
});

describe('only http and https', () => {
  const BAD = ['file:///etc/passwd', 'ftp://example.org/status.xml', 'javascript:alert(1)', 'data:text/xml,<a/>', 'gopher://example.org/', '/etc/passwd', 'ws://example.org/feed'];

  it('stations.json refuses any other scheme in a feed or a stream, naming the station and the field', () => {
    for (const url of BAD) {
      for (const station of [{ id: 'bad', feed: { url, format: 'shoutcast-v1' } }, { id: 'bad', stream: { url } }]) {
        let err: unknown;
        try {
          validateStations({ stations: [station] }, 'stations.json');
        } catch (e) {
          err = e;
        }
        expect(err, url).toBeInstanceOf(OnairError);
        expect((err as Error).message).toMatch(/stations\.json: station "bad": field "(feed|stream)\.url": must be an http/);
      }
    }
  });

  it('a redirect or a playlist to another scheme goes nowhere', async () => {
    const fileRedirect = await startRecorder((path): { status: number; headers: Record<string, string>; body?: string } =>
      path.startsWith('/pls')
        ? { status: 200, headers: { 'content-type': 'audio/x-scpls' }, body: '[playlist]\nFile1=file:///etc/passwd\nFile2=ftp://x/y\n' }
        : { status: 302, headers: { location: 'file:///etc/passwd' } },
    );
    try {
      const http = new HttpClient();
      await expect(http.get(`${fileRedirect.origin}/feed`)).rejects.toMatchObject({ code: expect.stringMatching(/^ONAIR_BAD_(URL|REDIRECT)$/) });
      await http.close();
      await expect(readStreamSnapshot(`${fileRedirect.origin}/stream`)).rejects.toMatchObject({ code: 'ONAIR_BAD_REDIRECT' });
      await expect(readStreamSnapshot(`${fileRedirect.origin}/pls/listen.pls`)).rejects.toMatchObject({ code: 'ONAIR_EMPTY_PLAYLIST' });
    } finally {
      await fileRedirect.close();
    }
  });
});

describe('hostile station data', () => {
  it('XML entities are never expanded, internal or external', async () => {
    const ext = '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><songs><song><title>&x;</title></song></songs>';
    const server = await startRecorder(() => ({ status: 200, headers: { 'content-type': 'text/xml' }, body: ext }));
    const crawl = await startTestCrawl([{ id: 'xxe', feed: { url: `${server.origin}/songs.xml`, format: 'xml', title: 'songs.song[0].title' } }]);
    try {
      await crawl.round(10_000);
      const [row] = (await crawl.crawler.store.nowPlaying());
      expect(row!.play).toBeNull();
      expect(row!.station.lastError).toMatch(/^ONAIR_PARSE: .*DOCTYPE/);
      expect(JSON.stringify(row)).not.toMatch(/root:/);
    } finally {
      await crawl.stop();
      await server.close();
    }
  });

  it('titles are text, never a shell word or a path; station ids cannot climb out of a directory', async () => {
    const { dir, cleanup } = tempDir();
    const marker = join(dir, 'pwned');
    const farm = await startFeedFarm({ stations: 1, kinds: ['somafm-xml'] });
    const crawl = await startTestCrawl(farm.stations.map((s) => farm.stationEntry(s)));
    try {
      const nasty = [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker} #`, '../../../../etc/passwd', '%s%n%x', '${process.exit()}'];
      for (const t of nasty) {
        farm.setSong(farm.stations[0]!.id, { artist: 'Shell', title: t });
        await crawl.round(10_000);
      }
      expect((await readAll(crawl.crawler.store.history({}))).map((p) => p.title)).toEqual(nasty);
      expect(existsSync(marker)).toBe(false);
    } finally {
      await crawl.stop();
      await farm.close();
      cleanup();
    }
    for (const id of ['../etc', 'a/b', '..', '.hidden', 'x\u0000y', 'a b', '']) {
      expect(() => validateStations({ stations: [{ id, stream: { url: 'http://x/y' } }] }, 's.json'), JSON.stringify(id)).toThrow(OnairError);
    }
  });
});

describe('files private to their owner', () => {
  it('the database (and its WAL files) are created 0600 in a 0700 directory', async () => {
    const old = process.umask(0o022);
    try {
      const farm = await startFeedFarm({ stations: 1, kinds: ['shoutcast-v1'] });
      farm.setSong(farm.stations[0]!.id, { artist: 'A', title: 'B' });
      const crawl = await startTestCrawl(farm.stations.map((s) => farm.stationEntry(s)));
      try {
        await crawl.round(10_000);
        const data = join(crawl.dir, 'data');
        expect(statSync(data).mode & 0o777).toBe(0o700);
        const files = readdirSync(data);
        expect(files).toEqual(expect.arrayContaining(['onair.db', 'onair.db-wal', 'onair.db-shm']));
        for (const f of files) expect(statSync(join(data, f)).mode & 0o777, f).toBe(0o600);
      } finally {
        await crawl.stop();
        await farm.close();
      }
    } finally {
      process.umask(old);
    }
  });

  it('stations.json is written 0600 by `onair add`, also over a file that was world-readable', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'stations.json');
      let res = await onair(['add', 'http://u:pw@radio.example/stream', '--format', 'icy', '--id', 'one', '--stations', file], { env: { ...process.env } });
      expect(res.code, res.stderr).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      chmodSync(file, 0o644);
      writeFileSync(file, readFileSync(file));
      res = await onair(['add', 'http://radio.example/other', '--format', 'icy', '--id', 'two', '--stations', file]);
      expect(res.code, res.stderr).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    } finally {
      cleanup();
    }
  });
});

