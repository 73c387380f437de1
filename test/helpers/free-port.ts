// A TCP port free on 127.0.0.1 right now, for a server a test starts as a separate process (Icecast,
// PostgreSQL) that cannot be told to listen on port 0 and report back.
import net from 'node:net';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
