// The station list in PostgreSQL: `onair add/list/remove --db postgres://…` edit it, a node started without
// --stations follows it (a change reaches it within one interval, no restart), and a node started with a
// file loads that file into it. Real processes, a real server, a feed server on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/crawl.ts';
import { onair, startOnair } from '../helpers/onair-bin.ts';
import { HAVE_POSTGRES, startPostgres, type PostgresCluster } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/wait.ts';

describe.skipIf(!HAVE_POSTGRES)('the station list in PostgreSQL', () => {
  let cluster: PostgresCluster;
  let server: Server;
  let base: string;
  const asked = new Set<string>();
  const dir = tempDir('onair-list-');

  beforeAll(async () => {
    cluster = await startPostgres();
    server = createServer((req, res) => {
      asked.add(req.url!);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ now: { title: `Song of ${req.url}` } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await cluster?.stop();
    dir.cleanup();
  });

  const add = (db: string, id: string) => onair(['add', `${base}/${id}.json`, '--format', 'json', '--title', 'now.title', '--id', id, '--interval', '1', '--db', db]);

  it('is edited by add, list and remove, and followed by a running node without a restart', async () => {
    const db = await cluster.createDatabase();
    expect((await add(db, 'a')).code).toBe(0);
    const dup = await add(db, 'a');
    expect([dup.code, dup.stderr]).toEqual([2, expect.stringContaining('a station with id "a" is already in the station list in postgres://')]);
    const node = startOnair(['run', '--db', db, '--node', 'follower', '--lease', '1']);
    try {
      await waitFor(() => asked.has('/a.json'), { what: 'the node to poll a, from the list in the database' });
      expect((await add(db, 'b')).code).toBe(0);
      await waitFor(() => asked.has('/b.json'), { what: 'the node to poll b, added while it ran' });
      const listed = await onair(['list', '--db', db, '--json']);
      expect((JSON.parse(listed.stdout) as { id: string }[]).map((s) => s.id)).toEqual(['a', 'b']);
      expect((await onair(['remove', 'a', '--db', db])).code).toBe(0);
      await node.waitFor((l) => l.msg === 'stations loaded' && l.removed === 1);
      expect((await onair(['remove', 'a', '--db', db])).code).toBe(1);

      // A node given a file loads it into the list; the follower picks it up.
      const file = join(dir.dir, 'stations.json');
      writeFileSync(file, JSON.stringify({ stations: [{ id: 'c', feed: { url: `${base}/c.json`, format: 'json', title: 'now.title' }, intervalSeconds: 1 }] }));
      const loader = startOnair(['run', '--db', db, '--stations', file, '--node', 'loader', '--lease', '1']);
      try {
        await loader.waitFor((l) => l.msg === 'stations file loaded into the database');
        await node.waitFor((l) => l.msg === 'stations loaded' && l.added === 1 && l.removed === 1);
        expect(JSON.parse((await onair(['list', '--db', db, '--json'])).stdout).map((s: { id: string }) => s.id)).toEqual(['c']);
      } finally {
        loader.child.kill('SIGTERM');
        expect(await loader.exited).toBe(0);
      }
    } finally {
      node.child.kill('SIGTERM');
      expect(await node.exited).toBe(0);
    }
  }, 90_000);

  it('refuses to edit a list a SQLite database does not keep', async () => {
    const r = await onair(['add', `${base}/x.json`, '--format', 'json', '--title', 'now.title', '--db', join(dir.dir, 'x.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a SQLite database keeps no station list (stations.json is the list)');
  });
});
