// Icecast's connect burst as the real server sends it (measured on Debian's Icecast 2.4.4 here): the
// response head first, then — 200 to 500 ms later, when the source thread next wakes — the 64 KiB burst,
// whose metadata blocks replay the last titles oldest first. A reader that takes the gap after the head
// for the end of the burst reports the oldest title of the burst, a song that is no longer on air.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { readStreamSnapshot } from '../../src/fetch/stream/reader.ts';
import { startTestCrawl, type TestCrawl } from '../helpers/crawl.ts';
import { readAll } from '../../src/store/contract.ts';

const METAINT = 16000;

function frame(title: string | null): Buffer {
  if (title === null) return Buffer.concat([Buffer.alloc(METAINT, 0xff), Buffer.of(0)]);
  const text = Buffer.from(`StreamTitle='${title}';`);
  const units = Math.ceil(text.length / 16);
  const block = Buffer.alloc(1 + units * 16);
  block[0] = units;
  text.copy(block, 1);
  return Buffer.concat([Buffer.alloc(METAINT, 0xff), block]);
}

/** An Icecast look-alike: head at once, the burst (replaying `titles`) after `gapMs`, then a frame a second. */
async function startIcecastLike(titles: string[], gapMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.write('HTTP/1.0 200 OK\r\nServer: Icecast 2.4.4\r\nContent-Type: audio/mpeg\r\nicy-metaint: 16000\r\n\r\n');
      const timers: NodeJS.Timeout[] = [];
      timers.push(
        setTimeout(() => {
          const burst = [...titles.map(frame), frame(null), frame(null)];
          socket.write(Buffer.concat(burst));
          timers.push(setInterval(() => socket.write(frame(null)), 1000));
        }, gapMs),
      );
      socket.on('close', () => {
        timers.forEach((t) => clearTimeout(t));
        sockets.delete(socket);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/stream`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let close: (() => Promise<void>) | undefined;
let crawl: TestCrawl | undefined;
afterEach(async () => {
  await crawl?.stop();
  await close?.();
  crawl = close = undefined;
});

describe("a snapshot of a stream whose connect burst comes a moment after the head, as Icecast's does", () => {
  it('reports the title on air now, the last of the burst, not the oldest one it replays', async () => {
    const server = await startIcecastLike(['Old - One', 'Old - Two', 'Now - Playing'], 400);
    close = server.close;
    const snap = await readStreamSnapshot(server.url);
    expect(snap.title?.raw).toBe('Now - Playing');
  });

  it('records only the song on air, through the crawler', async () => {
    const server = await startIcecastLike(['Old - One', 'Now - Playing'], 400);
    close = server.close;
    crawl = await startTestCrawl([{ id: 'ice', stream: { url: server.url, mode: 'snapshot' } }]);
    await crawl.round(10_000);
    expect((await readAll(crawl.crawler.store.history({}))).map((p) => p.raw)).toEqual(['Now - Playing']);
  });
});
