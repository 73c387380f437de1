// A TCP proxy in front of PostgreSQL that makes the network faulty, for the client behind it only:
//  - it may lose the answer to a COMMIT: when the server's reply holds a COMMIT's CommandComplete it drops that
//    reply and cuts both connections; the commit landed and the client never hears so (Temporal's
//    ExecuteAndTimeout), so a client that retries must not write twice;
//  - it can cut the client off (partition(true)): nothing gets through either way and no connection is closed,
//    as when a link goes down (no RST, no FIN); on partition(false) what was held goes through in order, as TCP
//    retransmits it once the link is back.
// Real faults on the wire: the client under test is not changed for them.
import net from 'node:net';

/** CommandComplete ('C', length 11) with the tag "COMMIT\0", as the server sends it. */
const COMMIT_DONE = Buffer.from([0x43, 0, 0, 0, 11, ...Buffer.from('COMMIT'), 0]);

export interface FaultyProxy {
  port: number;
  /** Commit answers dropped so far. */
  readonly dropped: number;
  /** Cuts the client off from the server (bytes dropped silently), or heals the cut. */
  partition(cut: boolean): void;
  close(): Promise<void>;
}

export async function startFaultyProxy(target: { host: string; port: number }, share: number, random: () => number): Promise<FaultyProxy> {
  let dropped = 0;
  let partitioned = false;
  const sockets = new Set<net.Socket>();
  /** What the cut held back, per connection and direction, to send on heal. */
  const held: (() => void)[] = [];
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
    const toServer = (d: Buffer) => {
      if (partitioned) return void held.push(() => toServer(d));
      upstream.write(d);
    };
    client.on('data', toServer);
    // A message may straddle two chunks: the tail of the last chunk is searched with the next.
    let tail = Buffer.alloc(0);
    const toClient = (d: Buffer) => {
      if (partitioned) return void held.push(() => toClient(d));
      const seen = Buffer.concat([tail, d]);
      tail = seen.subarray(Math.max(0, seen.length - COMMIT_DONE.length + 1));
      if (seen.includes(COMMIT_DONE) && random() < share) {
        dropped++;
        return cut();
      }
      client.write(d);
    };
    upstream.on('data', toClient);
    client.on('close', cut);
    upstream.on('close', cut);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get dropped() {
      return dropped;
    },
    partition(cut) {
      partitioned = cut;
      if (!cut) for (const send of held.splice(0)) send();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
