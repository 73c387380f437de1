// The feed fetcher against servers on 127.0.0.1: caps, timeouts, redirects, conditional requests, credentials,
// on both transports (undici's keep-alive pool, node:http one request per connection), and how it learns
// which one a URL wants from its replies.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { HttpClient as Base, type TransportChoice } from '../../src/fetch/http.ts';
import { waitFor } from '../helpers/wait.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
const routes = new Map<string, Handler>();
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    const h = routes.get(new URL(req.url!, 'http://x').pathname);
    if (h) h(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

let client: Base;
afterEach(async () => {
  routes.clear();
  seen.length = 0;
  await client?.destroy();
});

describe.each<[string, TransportChoice]>([
  ['undici keep-alive pool', 'pooled'],
  ['node:http one request per connection', 'one-shot'],
])('HttpClient over the %s', (_name, transport) => {
  const HttpClient = class extends Base {
    constructor(opts: ConstructorParameters<typeof Base>[0] = {}) {
      super(opts, transport);
    }
  };

  it('returns the body, its type and validators, and answers a conditional request with 304', async () => {
    routes.set('/doc', (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'text/xml', etag: '"v1"' }).end('<a>1</a>');
    });
    client = new HttpClient();
    const first = await client.get(`${base}/doc`);
    expect(first).toMatchObject({ status: 200, contentType: 'text/xml', etag: '"v1"' });
    expect(Buffer.from(first.body).toString()).toBe('<a>1</a>');
    const second = await client.get(`${base}/doc`, { etag: first.etag });
    expect(second.status).toBe(304);
    expect(second.body.length).toBe(0);
  });

  it('fails a body past the byte cap without keeping it, declared or streamed', async () => {
    routes.set('/declared', (_req, res) => res.writeHead(200, { 'content-length': 5000 }).end(Buffer.alloc(5000)));
    routes.set('/endless', (_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(1024, 'x');
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      res.on('close', () => res.off('drain', pump));
      pump();
    });
    client = new HttpClient({ maxBytes: 4096 });
    await expect(client.get(`${base}/declared`)).rejects.toMatchObject({ code: 'ONAIR_TOO_LARGE' });
    await expect(client.get(`${base}/endless`)).rejects.toMatchObject({ code: 'ONAIR_TOO_LARGE' });
  });

  it('gives up on a server that never answers, with a timeout error', async () => {
    routes.set('/silent', () => {});
    client = new HttpClient({ headersTimeoutMs: 100, totalTimeoutMs: 200 });
    await expect(client.get(`${base}/silent`)).rejects.toMatchObject({ code: expect.stringMatching(/TIMEOUT/) });
  });

  it('follows up to five redirects, refuses a sixth and any non-http scheme', async () => {
    for (let i = 0; i < 7; i++) routes.set(`/r${i}`, (_q, res) => res.writeHead(302, { location: `/r${i + 1}` }).end());
    routes.set('/r5', (_q, res) => res.writeHead(200).end('five'));
    routes.set('/loop', (_q, res) => res.writeHead(301, { location: '/loop' }).end());
    routes.set('/file', (_q, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    client = new HttpClient();
    const ok = await client.get(`${base}/r0`);
    expect(Buffer.from(ok.body).toString()).toBe('five');
    expect(ok.url).toBe(`${base}/r5`);
    await expect(client.get(`${base}/loop`)).rejects.toMatchObject({ code: 'ONAIR_TOO_MANY_REDIRECTS' });
    // The server's fault, not the entry's: backed off, as the stream reader does.
    await expect(client.get(`${base}/file`)).rejects.toMatchObject({ code: 'ONAIR_BAD_REDIRECT', policy: 'backoff' });
  });

  it('sends URL credentials as basic auth, keeps them out of results and errors, and not to other origins', async () => {
    routes.set('/admin', (req, res) => res.writeHead(200).end(req.headers.authorization ?? 'none'));
    routes.set('/away', (_q, res) => res.writeHead(302, { location: `${base.replace('127.0.0.1', 'localhost')}/admin` }).end());
    client = new HttpClient();
    const url = base.replace('//', '//admin:s3cret@');
    const res = await client.get(`${url}/admin`);
    expect(Buffer.from(res.body).toString()).toBe(`Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
    expect(res.url).not.toContain('s3cret');
    const moved = await client.get(`${url}/away`);
    expect(Buffer.from(moved.body).toString()).toBe('none');
    const err = await client.get('http://admin:s3cret@127.0.0.1:9/admin').catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'ONAIR_NETWORK', detail: 'ECONNREFUSED' });
    expect(JSON.stringify({ message: (err as Error).message })).not.toContain('s3cret');
  });

  it('turns 4xx and 5xx into an error carrying the status', async () => {
    routes.set('/gone', (_q, res) => res.writeHead(503).end('busy'));
    client = new HttpClient();
    await expect(client.get(`${base}/gone`)).rejects.toMatchObject({ code: 'ONAIR_HTTP_STATUS', status: 503 });
    await expect(client.get(`${base}/nothing`)).rejects.toMatchObject({ code: 'ONAIR_HTTP_STATUS', status: 404 });
  });

  it('cancels every request of a shared signal at once, also those still waiting for a connection', async () => {
    routes.set('/silent', () => {});
    client = new HttpClient({ connectionsPerOrigin: 1 });
    const shared = new AbortController();
    // With one connection per origin, the second and third wait in undici's queue behind the first; one
    // request per connection has no queue.
    const pending = [1, 2, 3].map((n) => client.get(`${base}/silent?n=${n}`, { signal: shared.signal }));
    const taken = transport === 'pooled' ? 1 : 3;
    await waitFor(() => seen.length === taken, { what: `the server to take ${taken} request(s)` });
    shared.abort();
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'ONAIR_ABORTED' });
    await expect(client.get(`${base}/silent`, { signal: shared.signal })).rejects.toMatchObject({ code: 'ONAIR_ABORTED' });
  });

  it('times out a request that waits for a connection held by a stalled one', async () => {
    routes.set('/silent', () => {});
    client = new HttpClient({ connectionsPerOrigin: 1, totalTimeoutMs: 150 });
    const first = client.get(`${base}/silent?n=1`);
    const queued = client.get(`${base}/silent?n=2`);
    await expect(first).rejects.toMatchObject({ code: 'ONAIR_TIMEOUT' });
    await expect(queued).rejects.toMatchObject({ code: 'ONAIR_TIMEOUT' });
  });

  it.runIf(transport === 'pooled')('keeps the connection after a 304, a redirect or a short error page; drops it after a long one', async () => {
    routes.set('/doc', (req, res) => (req.headers['if-none-match'] ? res.writeHead(304).end() : res.writeHead(200, { etag: '"1"' }).end('doc')));
    routes.set('/moved', (_q, res) => res.writeHead(302, { location: '/doc' }).end('see /doc'));
    routes.set('/short-error', (_q, res) => res.writeHead(500).end('oops'));
    routes.set('/long-error', (_q, res) => res.writeHead(500).end(Buffer.alloc(200 * 1024, 'e')));
    client = new HttpClient({ connectionsPerOrigin: 1 });
    await client.get(`${base}/doc`);
    expect((await client.get(`${base}/doc`, { etag: '"1"' })).status).toBe(304);
    expect(Buffer.from((await client.get(`${base}/moved`)).body).toString()).toBe('doc');
    await expect(client.get(`${base}/short-error`)).rejects.toMatchObject({ status: 500 });
    await client.get(`${base}/doc`);
    expect(new Set(seen.map((r) => r.socket)).size).toBe(1);
    await expect(client.get(`${base}/long-error`)).rejects.toMatchObject({ status: 500 });
    await client.get(`${base}/doc`);
    expect(new Set(seen.map((r) => r.socket)).size).toBe(2);
    expect(client.bytesRead).toBe(4 * 'doc'.length); // only the 2xx bodies count
  });

  it.runIf(transport === 'one-shot')('opens a new connection for every request and closes it after the reply', async () => {
    routes.set('/doc', (_q, res) => res.writeHead(200).end('doc'));
    client = new HttpClient();
    for (let i = 0; i < 3; i++) await client.get(`${base}/doc`);
    expect(new Set(seen.map((r) => r.socket)).size).toBe(3);
    await waitFor(() => seen.every((r) => r.socket.destroyed), { what: 'every connection to be closed' });
    expect(client.sent).toEqual({ pooled: 0, oneShot: 3 });
  });

  it('fails a body cut short of its Content-Length as a network error', async () => {
    routes.set('/cut', (req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write('partial');
      setImmediate(() => req.socket.destroy());
    });
    client = new HttpClient();
    await expect(client.get(`${base}/cut`)).rejects.toMatchObject({ code: 'ONAIR_NETWORK' });
  });
});

describe('HttpClient choosing a transport', () => {
  it('sends a URL whose server closes through node:http from its second request on, and back to the pool once it keeps the connection', async () => {
    let close = true;
    routes.set('/status', (_q, res) => res.writeHead(200, close ? { connection: 'close' } : {}).end('page'));
    routes.set('/other', (_q, res) => res.writeHead(200).end('other'));
    client = new Base();
    await client.get(`${base}/status`);
    expect(client.sent).toEqual({ pooled: 1, oneShot: 0 });
    await client.get(`${base}/status`);
    await client.get(`${base}/status`);
    // Another path of the same origin keeps its own way.
    await client.get(`${base}/other`);
    expect(client.sent).toEqual({ pooled: 2, oneShot: 2 });
    close = false;
    await client.get(`${base}/status`);
    await client.get(`${base}/status`);
    expect(client.sent).toEqual({ pooled: 3, oneShot: 3 });
  });

  it('treats an HTTP/1.0 reply without keep-alive as closing, read through node:http', async () => {
    const raw = net.createServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<body>1,1,1,1,1,128,A - B</body>'));
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    try {
      client = new Base({}, 'one-shot');
      const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/7.html`;
      const res = await client.get(url);
      // No Content-Length: the body ends where the server closes.
      expect(Buffer.from(res.body).toString()).toContain('A - B');
    } finally {
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });
});
