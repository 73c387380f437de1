// The store contract's behaviour suite on a real PostgreSQL (a private cluster, test/helpers/postgres.ts), plus
// what only a server database has: migrations under a lock, a refused newer schema, a clear error for a server
// that does not answer.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.ts';
import { MIGRATIONS } from '../../../src/store/postgres/migrations.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { readAll, type Flushed } from '../../../src/store/contract.ts';
import type { WriteBatch } from '../../../src/store/write-queue.ts';
import { HAVE_POSTGRES, startPostgres, type PostgresCluster } from '../../helpers/postgres.ts';
import { describeStoreContract, song } from '../contract.ts';

describe('the postgres.js client', () => {
  it('carries the fix for writes on a closed socket (scripts/patch-postgres.js, run by npm install)', () => {
    const entry = createRequire(import.meta.url).resolve('postgres');
    for (const file of ['src/connection.js', 'cjs/src/connection.js'])
      expect(readFileSync(join(dirname(dirname(dirname(entry))), file), 'utf8')).toContain('/* onair: patched */ if (!socket)');
  });
});

describe.skipIf(!HAVE_POSTGRES)('PostgreSQL store', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  describeStoreContract('PostgreSQL', {
    async open() {
      const url = await cluster.createDatabase();
      return { store: await PostgresStore.open(url), reopen: () => PostgresStore.open(url) };
    },
    async breakCommits(store) {
      // A second connection to the same database: the store's own is not reachable through the contract.
      const url = (store as unknown as { sql: postgres.Sql }).sql.options;
      const admin = postgres({ host: url.host[0], port: url.port[0], database: url.database, user: url.user, max: 1, onnotice: () => {} });
      await admin.unsafe(`CREATE FUNCTION fail_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$;
        CREATE TRIGGER fail_all BEFORE INSERT ON plays FOR EACH ROW EXECUTE FUNCTION fail_all();`);
      return async () => {
        await admin.unsafe('DROP TRIGGER fail_all ON plays; DROP FUNCTION fail_all();');
        await admin.end();
      };
    },
  });

  describe('PostgreSQL only', () => {
    it('migrates once when several nodes open a new database together', async () => {
      const url = await cluster.createDatabase();
      const stores = await Promise.all([1, 2, 3, 4].map(() => PostgresStore.open(url)));
      const sql = postgres(url, { max: 1 });
      expect(await sql`SELECT version FROM onair_schema`).toEqual([{ version: MIGRATIONS.length }]);
      stores[0]!.recordChange('groove', 1000, song('A - One'));
      await stores[0]!.flush();
      expect((await stores[3]!.openPlays()).get('groove')?.raw).toBe('A - One');
      await sql.end();
      for (const s of stores) await s.close();
    });

    it('refuses a database written by a newer onair', async () => {
      const url = await cluster.createDatabase();
      await (await PostgresStore.open(url)).close();
      const sql = postgres(url, { max: 1 });
      await sql`UPDATE onair_schema SET version = ${MIGRATIONS.length + 1}`;
      await sql.end();
      await expect(openStore(url)).rejects.toMatchObject({ code: 'ONAIR_DB_TOO_NEW', message: expect.stringContaining('newer than this onair knows') });
    });

    it('fails at once, naming the server without its password, when nothing answers there', async () => {
      const started = Date.now();
      const err = (await openStore('postgres://onair:s3cret@127.0.0.1:9/onair').then(() => undefined, (e: unknown) => e)) as Error & { code: string };
      expect(err).toMatchObject({ code: 'ONAIR_DB_UNREACHABLE' });
      expect(err.message).toContain('127.0.0.1:9');
      expect(err.message).toContain('ECONNREFUSED');
      expect(err.message).not.toContain('s3cret');
      // Refused is answered at once; the connect timeout (10 s) is for a server that never answers.
      expect(Date.now() - started).toBeLessThan(9_000);
    });

    it('writes a batch once when its commit landed but the answer was lost and it is retried', async () => {
      const store = await PostgresStore.open(await cluster.createDatabase());
      const commit = (store as unknown as { commit(b: WriteBatch): Promise<Flushed> }).commit.bind(store);
      const batch: WriteBatch = { id: randomUUID(), writes: [{ kind: 'change', station: 'groove', at: 1000, next: song('A - One'), lease: undefined }] };
      expect((await commit(batch)).opened).toHaveLength(1);
      // The retry of the same batch (same id) finds it committed and writes nothing.
      expect(await commit(batch)).toEqual({ opened: [], silenced: [], fenced: [] });
      expect((await readAll(store.history({}))).map((p) => [p.raw, p.endedAt])).toEqual([['A - One', null]]);
      await store.close();
    });

    it('stores epoch milliseconds and ids as numbers, not strings', async () => {
      const store = await PostgresStore.open(await cluster.createDatabase());
      store.recordChange('groove', 1_795_860_000_123, song('A - One'));
      const [play] = (await store.flush()).opened;
      const [row] = (await store.nowPlaying()).map((r) => r.play);
      expect(row).toEqual(play);
      expect(typeof row!.id).toBe('number');
      expect(row!.startedAt).toBe(1_795_860_000_123);
      await store.close();
    });
  });

  describe('the station list it keeps', () => {
    const station = (id: string, name = id) => ({ id, name, feed: { url: `http://127.0.0.1:9/${id}.json`, format: 'json', title: 'now.title' } });

    it('stores a list, changes nothing when the same list comes again, and unlists what it no longer holds', async () => {
      const store = await PostgresStore.open(await cluster.createDatabase());
      expect(await store.readStationList()).toEqual({ version: 0, doc: { stations: [] } });
      const doc = { defaults: { intervalSeconds: 5 }, stations: [station('a'), station('b')] };
      expect(await store.editStationList(() => doc)).toBe(true);
      const v1 = await store.stationListVersion();
      // The same list, its keys in another order: no change, no new version (several nodes load one file).
      expect(await store.editStationList(() => ({ stations: [{ feed: station('a').feed, name: 'a', id: 'a' }, station('b')], defaults: { intervalSeconds: 5 } }))).toBe(false);
      expect(await store.stationListVersion()).toBe(v1);
      expect(await store.editStationList((d) => ({ ...d, stations: [station('b', 'Bee')] }))).toBe(true);
      expect((await store.readStationList()).doc).toEqual({ defaults: { intervalSeconds: 5 }, stations: [station('b', 'Bee')] });
      expect(await store.hasStation('a')).toBe(true);
      await store.close();
    });

    it('lets two nodes edit at once without losing either edit', async () => {
      const url = await cluster.createDatabase();
      const [one, two] = [await PostgresStore.open(url), await PostgresStore.open(url)];
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).editStationList((d) => ({ ...d, stations: [...d.stations, station(`s${i}`)] }))),
      );
      expect((await one.readStationList()).doc.stations.map((s) => (s as { id: string }).id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`).sort());
      await Promise.all([one.close(), two.close()]);
    });
  });
});
