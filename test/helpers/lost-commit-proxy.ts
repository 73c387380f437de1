// A TCP proxy in front of PostgreSQL that loses the answers to some COMMITs: it forwards everything, but when
// the server's reply holds a COMMIT's CommandComplete it may drop that reply and cut both connections. The
// commit landed, the client never hears so (Temporal's ExecuteAndTimeout), so a client that retries must not
// write twice. A real fault on the wire: the client under test is not changed for it.
import net from 'node:net';

/** CommandComplete ('C', length 11) with the tag "COMMIT\0", as the server sends it. */
const COMMIT_DONE = Buffer.from([0x43, 0, 0, 0, 11, ...Buffer.from('COMMIT'), 0]);

export interface LostCommitProxy {
  port: number;
  /** Commit answers dropped so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

export async function startLostCommitProxy(target: { host: string; port: number }, share: number, random: () => number): Promise<LostCommitProxy> {
  let dropped = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    // A message may straddle two chunks: the tail of the last chunk is searched with the next.
    let tail = Buffer.alloc(0);
    upstream.on('data', (d: Buffer) => {
      const seen = Buffer.concat([tail, d]);
      tail = seen.subarray(Math.max(0, seen.length - COMMIT_DONE.length + 1));
      if (seen.includes(COMMIT_DONE) && random() < share) {
        dropped++;
        return cut();
      }
      client.write(d);
    });
    client.on('close', cut);
    upstream.on('close', cut);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get dropped() {
      return dropped;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
