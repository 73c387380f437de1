// A misbehaving station server on 127.0.0.1 for the fault suite: one raw TCP server, one path per fault,
// written by hand so it can do what no well-behaved HTTP library lets it (reset mid-body, close after the
// head, never answer, send 200 MB without holding them). It counts connections and bytes per path, so a
// test can show the crawler hung up and did not read what it was not asked to.
import net from 'node:net';

export type Fault =
  | 'reset-mid-body'
  | 'never-answers'
  | 'endless-body'
  | 'huge-declared'
  | 'huge-chunked'
  | 'redirect-loop'
  | 'status-404'
  | 'status-503'
  | 'garbage'
  | 'billion-laughs'
  | 'deep-nesting'
  | 'close-after-head'
  | 'icy-4080'
  | 'icy-no-metaint'
  | 'icy-close-after-head';

export const HUGE_BYTES = 200 * 1024 * 1024;
/** The title a 4080-byte ICY block carries: StreamTitle='…'; filling the block to its last byte. */
export const LONG_TITLE = `Long - ${'x'.repeat(4080 - "StreamTitle='';".length - 'Long - '.length)}`;

const CHUNK = Buffer.alloc(64 * 1024, '{"title":"more","x":[1,2,3]}');

/** Billion laughs: ten levels of ten references, a few hundred bytes that expand to 10^10 "lol"s. */
export const BILLION_LAUGHS = (() => {
  const lines = ['<?xml version="1.0"?>', '<!DOCTYPE lolz [', ' <!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 10; i++) lines.push(` <!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  lines.push(']>', '<songs><song><title>&lol10;</title><artist>x</artist></song></songs>');
  return lines.join('\n');
})();

/** 10,000 nested elements around a well-formed song. */
export const DEEP_NESTING = `<?xml version="1.0"?><songs>${'<a>'.repeat(10_000)}<song><title>deep</title></song>${'</a>'.repeat(10_000)}</songs>`;

export const GARBAGE = (() => {
  const b = Buffer.alloc(16 * 1024);
  let x = 0x2545f491;
  for (let i = 0; i < b.length; i++) b[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return b;
})();

export interface PathStats {
  connections: number;
  open: number;
  bytesSent: number;
}

export interface FaultServer {
  readonly port: number;
  url(fault: Fault, userinfo?: string): string;
  stats(fault: Fault): PathStats;
  /** Connections open now, over every path. */
  openConnections(): number;
  close(): Promise<void>;
}

const head = (status: string, headers: Record<string, string | number> = {}) =>
  `HTTP/1.1 ${status}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

/** One ICY metadata block: length byte, then the text NUL-padded to 16-byte units. */
function icyBlock(text: Buffer): Buffer {
  const units = Math.ceil(text.length / 16);
  const block = Buffer.alloc(1 + units * 16);
  block[0] = units;
  text.copy(block, 1);
  return block;
}

export async function startFaultServer(): Promise<FaultServer> {
  const stats = new Map<string, PathStats>();
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const statsOf = (path: string) => {
    let s = stats.get(path);
    if (!s) stats.set(path, (s = { connections: 0, open: 0, bytesSent: 0 }));
    return s;
  };

  function answer(socket: net.Socket, path: string, query: URLSearchParams): void {
    const s = statsOf(path);
    const send = (bytes: string | Buffer) => {
      if (socket.destroyed) return false;
      s.bytesSent += typeof bytes === 'string' ? Buffer.byteLength(bytes, 'latin1') : bytes.length;
      return socket.write(bytes, 'latin1');
    };
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      timers.add(t);
      socket.on('close', () => (clearInterval(t), timers.delete(t)));
    };
    switch (path as Fault) {
      case 'reset-mid-body':
        send(head('200 OK', { 'content-type': 'application/json', 'content-length': 10_000 }));
        send('{"icestats":{"source":{"listenurl":"http://localhost:8000/m1","title":"half a');
        setTimeout(() => socket.resetAndDestroy(), 20);
        return;
      case 'never-answers':
        return; // accepts, reads the request, says nothing
      case 'endless-body':
        // A trickle: never idle long enough for a body timeout, never done.
        send(head('200 OK', { 'content-type': 'text/xml', 'transfer-encoding': 'chunked' }));
        send('5\r\n<song\r\n');
        every(20, () => send('1\r\n \r\n'));
        return;
      case 'huge-declared':
        send(head('200 OK', { 'content-type': 'application/json', 'content-length': HUGE_BYTES }));
        pump(socket, send, HUGE_BYTES);
        return;
      case 'huge-chunked':
        send(head('200 OK', { 'content-type': 'application/json', connection: 'close' }));
        pump(socket, send, HUGE_BYTES);
        return;
      case 'redirect-loop': {
        const hop = Number(query.get('hop') ?? 0) + 1;
        send(head('302 Found', { location: `/redirect-loop?hop=${hop}`, 'content-length': 0, connection: 'close' }));
        socket.end();
        return;
      }
      case 'status-404':
        send(head('404 Not Found', { 'content-type': 'text/html', 'content-length': 9, connection: 'close' }) + 'not found');
        socket.end();
        return;
      case 'status-503':
        send(head('503 Service Unavailable', { 'content-type': 'text/html', 'content-length': 11, connection: 'close' }) + 'unavailable');
        socket.end();
        return;
      case 'garbage':
        send(head('200 OK', { 'content-type': 'application/json', 'content-length': GARBAGE.length, connection: 'close' }));
        send(GARBAGE);
        socket.end();
        return;
      case 'billion-laughs':
        send(head('200 OK', { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(BILLION_LAUGHS), connection: 'close' }) + BILLION_LAUGHS);
        socket.end();
        return;
      case 'deep-nesting':
        send(head('200 OK', { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(DEEP_NESTING), connection: 'close' }) + DEEP_NESTING);
        socket.end();
        return;
      case 'close-after-head':
        send(head('200 OK', { 'content-type': 'text/xml', 'content-length': 5000 }));
        socket.end();
        return;
      case 'icy-4080': {
        send('HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-metaint: 1000\r\n\r\n');
        const text = Buffer.from(`StreamTitle='${LONG_TITLE}';`);
        send(Buffer.concat([Buffer.alloc(1000, 0xff), icyBlock(text), Buffer.alloc(1000, 0xff), Buffer.of(0)]));
        // Then a frame a second: the pause tells the reader the connect burst is over.
        every(1000, () => send(Buffer.concat([Buffer.alloc(1000, 0xff), Buffer.of(0)])));
        return;
      }
      case 'icy-no-metaint':
        send('HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-name: No Metadata FM\r\n\r\n');
        every(20, () => send(Buffer.alloc(4096, 0xff)));
        return;
      case 'icy-close-after-head':
        send('HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-metaint: 16000\r\n\r\n');
        socket.end();
        return;
      default:
        send(head('404 Not Found', { 'content-length': 0, connection: 'close' }));
        socket.end();
    }
  }

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {}); // the crawler hanging up mid-write is what these tests provoke
    let request = '';
    let path: string | undefined;
    socket.on('close', () => {
      sockets.delete(socket);
      if (path) statsOf(path).open--;
    });
    const onData = (chunk: Buffer) => {
      request += chunk.toString('latin1');
      const end = request.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.resume(); // drain whatever else the client sends (nothing, but never let it back up)
      const target = new URL(request.slice(0, end).split(' ')[1] ?? '/', 'http://x');
      path = target.pathname.slice(1);
      const s = statsOf(path);
      s.connections++;
      s.open++;
      answer(socket, path, target.searchParams);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (fault, userinfo) => `http://${userinfo ? `${userinfo}@` : ''}127.0.0.1:${port}/${fault}`,
    stats: (fault) => ({ ...statsOf(fault) }),
    openConnections: () => sockets.size,
    async close() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes `total` bytes from one shared buffer, as fast as the client reads, until it hangs up. */
function pump(socket: net.Socket, send: (b: Buffer) => boolean, total: number): void {
  let left = total;
  const go = () => {
    while (left > 0 && !socket.destroyed) {
      const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= piece.length;
      if (!send(piece)) return void socket.once('drain', go);
    }
    if (!socket.destroyed) socket.end();
  };
  go();
}
