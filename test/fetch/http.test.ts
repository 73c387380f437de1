// The feed fetcher against servers on 127.0.0.1: caps, timeouts, redirects, conditional requests, credentials.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../../src/fetch/http.ts';

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

let client: HttpClient;
afterEach(async () => {
  routes.clear();
  seen.length = 0;
  await client?.destroy();
});

describe('HttpClient', () => {
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
    await expect(client.get(`${base}/file`)).rejects.toMatchObject({ code: 'ONAIR_BAD_URL' });
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
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(JSON.stringify({ message: (err as Error).message })).not.toContain('s3cret');
  });

  it('turns 4xx and 5xx into an error carrying the status', async () => {
    routes.set('/gone', (_q, res) => res.writeHead(503).end('busy'));
    client = new HttpClient();
    await expect(client.get(`${base}/gone`)).rejects.toMatchObject({ code: 'ONAIR_HTTP_STATUS', status: 503 });
    await expect(client.get(`${base}/nothing`)).rejects.toMatchObject({ code: 'ONAIR_HTTP_STATUS', status: 404 });
  });
});
