// `npx tsx test/bench/transport.ts [--requests N] [--concurrency C] [--rounds R]` — CPU per feed request of
// onair's HttpClient on each transport against a server that closes after every reply, as Icecast does:
// undici's pool (a new connection per request all the same) and node:http one request per connection.
// The server runs in a child process, so only the client's CPU is counted; the transports take turns,
// R rounds each, so machine noise hits both alike. Prints one line per round and the ratio of medians.
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { HttpClient, type TransportChoice } from '../../src/fetch/http.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    server: { type: 'boolean', default: false },
    only: { type: 'string' },
    // A server that keeps the connection: HttpClient's pool against a bare undici.request, as the fetch loop uses it.
    'keep-alive': { type: 'boolean', default: false },
  },
});

if (values.server && values['keep-alive']) {
  const { createServer } = await import('node:http');
  const body = Buffer.from(`<?xml version="1.0"?><SHOUTCASTSERVER><STREAMSTATUS>1</STREAMSTATUS><SONGTITLE>Artist - Title</SONGTITLE></SHOUTCASTSERVER>`);
  const server = createServer({ keepAliveTimeout: 60_000 }, (_req, res) => res.writeHead(200, { 'content-type': 'text/xml', 'content-length': body.length }).end(body));
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
} else if (values.server) {
  const { createServer } = await import('node:net');
  const body = Buffer.from(`{"icestats":{"source":{"listenurl":"http://localhost:8000/m1","title":"Artist - Title","dummy":null}}}`);
  const head = `HTTP/1.0 200 OK\r\nServer: Icecast 2.4.4\r\nConnection: Close\r\nContent-Type: application/json; charset=UTF-8\r\nCache-Control: no-cache, no-store\r\nContent-Length: ${body.length}\r\n\r\n`;
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.cork();
      socket.write(head);
      socket.end(body);
    });
  });
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => process.send!((server.address() as { port: number }).port));
} else {
  const child = fork(new URL(import.meta.url).pathname, ['--server', ...(values['keep-alive'] ? ['--keep-alive'] : [])], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  const url = `http://127.0.0.1:${port}/status-json.xsl`;
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);

  const round = async (transport: TransportChoice): Promise<number> => {
    const client = new HttpClient({}, transport);
    let next = 0;
    let failed = 0;
    const cpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < requests) await client.get(url).catch(() => failed++);
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    await client.destroy();
    const us = (cpu.user + cpu.system) / requests;
    console.log(`${transport.padEnd(8)} ${us.toFixed(1)} µs CPU per request (user ${(cpu.user / requests).toFixed(1)}, system ${(cpu.system / requests).toFixed(1)}), ${failed} failed`);
    return us;
  };

  if (values['keep-alive']) {
    const { request } = await import('undici');
    const bare = async (): Promise<number> => {
      let next = 0;
      const cpu0 = process.cpuUsage();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next++ < requests) await request(url, { headers: { 'user-agent': 'peer' } }).then((r) => r.body.bytes());
      }));
      const cpu = process.cpuUsage(cpu0);
      const us = (cpu.user + cpu.system) / requests;
      console.log(`undici.request ${us.toFixed(1)} µs CPU per request`);
      return us;
    };
    const ours: number[] = [];
    const theirs: number[] = [];
    await round('pooled');
    for (let r = 0; r < Number(values.rounds); r++) (ours.push(await round('pooled')), theirs.push(await bare()));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`median: HttpClient ${median(ours).toFixed(1)} µs, undici.request ${median(theirs).toFixed(1)} µs per keep-alive request`);
    child.kill();
    process.exit(0);
  }
  if (values.only) {
    // One transport alone, e.g. under --cpu-prof.
    for (let r = 0; r < Number(values.rounds); r++) await round(values.only as TransportChoice);
    child.kill();
    process.exit(0);
  }
  const results: Record<string, number[]> = { pooled: [], 'one-shot': [] };
  await round('pooled'); // warm-up: JIT and the kernel's port range, counted for neither
  for (let r = 0; r < Number(values.rounds); r++) for (const t of ['pooled', 'one-shot'] as const) results[t]!.push(await round(t));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`median: pooled ${median(results.pooled!).toFixed(1)} µs, one-shot ${median(results['one-shot']!).toFixed(1)} µs per request; one-shot/pooled = ${(median(results['one-shot']!) / median(results.pooled!)).toFixed(2)}`);
  child.kill();
}
