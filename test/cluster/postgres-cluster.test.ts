// Three real `onair run` nodes on one PostgreSQL against the station farm, with the faults a cluster lives
// through: kill -9 at random moments, a node stopped past its lease (a zombie) and woken, the server
// restarted mid-run, a node joining, a node cut off from the database and healed, a clean SIGTERM, and one
// node whose commits lose their answers (5 %).
// The shared history is then audited (history-checks.ts)
// and an event stream held on one node must have seen every play the others wrote. The figures (time to
// take over, to hand over) are printed, not asserted: a test does not time the machine; every wait has a
// generous deadline that names what it waited for.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEvents, type SseClient } from '../api/sse-client.ts';
import { startFarm, type Farm } from '../farm/farm.ts';
import { tempDir } from '../helpers/crawl.ts';
import { freePort } from '../helpers/free-port.ts';
import { startOnair } from '../helpers/onair-bin.ts';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy.ts';
import { HAVE_POSTGRES, startPostgres, type PostgresCluster } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/wait.ts';
import { partitionOf } from '../../src/cluster/partitions.ts';
import { validateStation } from '../../src/stations/schema.ts';
import { auditHistory, expectSoundHistory, type AuditedPlay } from './history-checks.ts';
import { CHANGE_EVERY_S, KILLS, LEASE_S, STATIONS } from './run-size.ts';

const INTERVAL_S = 2;

type Node = ReturnType<typeof startOnair> & { name: string; api: string };

describe.skipIf(!HAVE_POSTGRES)('three nodes on one PostgreSQL', () => {
  let cluster: PostgresCluster;
  let farm: Farm;
  let dir: { dir: string; cleanup(): void };
  let db: postgres.Sql;
  let url: string;
  let stationsFile: string;
  /** n2 reaches the server through it: 5 % of its commits land without their answer. */
  let lossy: FaultyProxy;
  const nodes = new Map<string, Node>();

  beforeAll(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    farm = await startFarm({ scenario: 'feeds', stations: STATIONS, changeEverySeconds: CHANGE_EVERY_S, intervalSeconds: INTERVAL_S, badShare: 0, hosts: 40 });
    dir = tempDir('onair-cluster-');
    stationsFile = join(dir.dir, 'stations.json');
    writeFileSync(stationsFile, JSON.stringify(farm.stationsFile()));
    lossy = await startFaultyProxy({ host: '127.0.0.1', port: cluster.port }, 0.05, Math.random);
    db = postgres(url, { max: 2, onnotice: () => {}, types: { bigint: postgres.BigInt && { to: 20, from: [20], serialize: String, parse: Number } } as never });
  });
  afterAll(async () => {
    for (const n of nodes.values()) n.child.kill('SIGKILL');
    await Promise.all([...nodes.values()].map((n) => n.exited));
    await db?.end({ timeout: 1 });
    await lossy?.close();
    await farm?.close();
    await cluster?.stop();
    dir?.cleanup();
  });

  const start = async (name: string): Promise<Node> => {
    const port = await freePort();
    step(`starting ${name}`);
    const via = name === 'n2' ? url.replace(`:${cluster.port}/`, `:${lossy.port}/`) : url;
    // debug: a line per poll, from which the test tells when a dead node's stations were polled again.
    const n = startOnair(['run', '--log-level', 'debug', '--db', via, '--stations', stationsFile, '--node', name, '--lease', String(LEASE_S), '--http', `127.0.0.1:${port}`]);
    const node = Object.assign(n, { name, api: `http://127.0.0.1:${port}` });
    nodes.set(name, node);
    await node.waitFor((l) => l.msg === 'http api listening', 30_000);
    return node;
  };
  /** Its exit code; fails with its last log lines if it has not exited within the deadline. */
  const exitOf = async (n: Node, timeoutMs = 20_000): Promise<number | null> => {
    let code: number | null | undefined;
    void n.exited.then((c) => (code = c));
    await waitFor(() => code !== undefined, {
      what: () => `${n.name} to exit; its last lines: ${JSON.stringify(n.lines.slice(-8).map((l) => [l.time, l.msg, l.err]))} stderr: ${n.stderr.slice(-1500)}`,
      timeoutMs,
      everyMs: 20,
    });
    return code!;
  };
  const owned = async () => {
    const rows = await db<{ owner: string | null; n: number }[]>`SELECT owner, count(*)::int AS n FROM partition_lease WHERE expires_at > now() GROUP BY owner`;
    return new Map(rows.map((r) => [r.owner, r.n]));
  };
  const ownerCount = async (name: string) => (await db<{ n: number }[]>`SELECT count(*)::int AS n FROM partition_lease WHERE owner = ${name}`)[0]!.n;
  const maxId = async () => (await db<{ id: number }[]>`SELECT coalesce(max(id), 0)::int AS id FROM plays`)[0]!.id;
  const timed = async (what: string, condition: () => Promise<boolean>, timeoutMs = 30_000) => {
    const t0 = performance.now();
    await waitFor(condition, { what, timeoutMs, everyMs: 50 });
    const ms = Math.round(performance.now() - t0);
    step(`${what}: ${ms} ms`);
    return ms;
  };
  const t00 = performance.now();
  const step = (what: string) => console.log(`[${((performance.now() - t00) / 1000).toFixed(1)} s] ${what}`);

  it('records every long-enough title once through kills, a zombie, a restart of the server, a join, a node cut off and a clean stop', async () => {
    const figures: Record<string, number[]> = { takeoverMs: [], repollP50Ms: [], repollMaxMs: [], handoverMs: [], joinMs: [], stoppedAfterCutMs: [], takeoverAfterCutMs: [] };
    const allStations = farm.stationsFile().stations.map((e) => validateStation(e, 'farm'));
    for (const name of ['n1', 'n2', 'n3']) await start(name);
    await timed('three nodes to share all 256 partitions', async () => {
      const o = await owned();
      return ['n1', 'n2', 'n3'].every((n) => (o.get(n) ?? 0) >= 80) && [...o.values()].reduce((a, b) => a + b, 0) === 256;
    });
    const from = Date.now();
    // Node n3 is never faulted: its event stream must carry every play that any node commits.
    const firstId = await maxId();
    const sse: SseClient = await openEvents(`${nodes.get('n3')!.api}/api/events`, { 'last-event-id': String(firstId) });
    const streamed: number[] = [];
    void (async () => {
      for (;;) streamed.push((await sse.nextPlay()).id);
    })().catch(() => undefined);

    // kill -9 at random moments, each node restarted under its own name once its partitions were taken.
    for (let k = 0; k < KILLS; k++) {
      await sleep(1_000 + Math.random() * 3_000);
      const victim = nodes.get(k % 2 === 0 ? 'n1' : 'n2')!;
      const parts = new Set((await db<{ part: number }[]>`SELECT part FROM partition_lease WHERE owner = ${victim.name}`).map((r) => r.part));
      const orphans = allStations.filter((s) => parts.has(partitionOf(s))).map((s) => s.id);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      figures.takeoverMs!.push(await timed(`${victim.name}'s partitions to be taken over`, async () => (await ownerCount(victim.name)) === 0));
      // Each of its stations polled again by another node (their debug 'poll' lines), and how long after the kill.
      const firstPoll = new Map<string, number>();
      const scanned = new Map<Node, number>();
      await waitFor(
        () => {
          for (const n of nodes.values()) {
            if (n === victim) continue;
            for (let i = scanned.get(n) ?? 0; i < n.lines.length; i++) {
              const l = n.lines[i]!;
              if (l.msg === 'poll' && Number(l.time) > killedAt && !firstPoll.has(String(l.station))) firstPoll.set(String(l.station), Number(l.time) - killedAt);
            }
            scanned.set(n, n.lines.length);
          }
          return orphans.every((id) => firstPoll.has(id));
        },
        { what: () => `${victim.name}'s ${orphans.length} stations to be polled again (${orphans.filter((id) => firstPoll.has(id)).length} so far)`, timeoutMs: 30_000, everyMs: 200 },
      );
      const delays = orphans.map((id) => firstPoll.get(id)!).sort((a, b) => a - b);
      figures.repollP50Ms!.push(delays[Math.floor(delays.length / 2)]!);
      figures.repollMaxMs!.push(delays.at(-1)!);
      await start(victim.name);
    }

    // A zombie: n2 stopped past its lease, its partitions taken, then woken: it must write nothing under them.
    await sleep(2_000);
    const zombie = nodes.get('n2')!;
    const before = await db<{ part: number; epoch: number }[]>`SELECT part, epoch::int FROM partition_lease WHERE owner = 'n2'`;
    expect(before.length).toBeGreaterThan(0);
    zombie.child.kill('SIGSTOP');
    await timed("the stopped node's partitions to be taken", async () => (await ownerCount('n2')) === 0);
    const takenAt = await maxId();
    await sleep(1_000);
    zombie.child.kill('SIGCONT');
    await zombie.waitFor((l) => l.msg === 'leases lost to another node' || l.msg === 'leases ran out without a renewal; stopped polling them', 20_000);

    // The server restarted under the running nodes: they wait, reconnect and go on.
    await sleep(2_000);
    cluster.stopServer();
    await sleep(1_500);
    cluster.start();
    await timed('all partitions owned again after the restart', async () => [...(await owned()).values()].reduce((a, b) => a + b, 0) === 256, 40_000);

    // A fourth node joins and gets its share.
    figures.joinMs!.push(await (async () => {
      const t0 = performance.now();
      await start('n4');
      await waitFor(async () => ((await owned()).get('n4') ?? 0) >= 60, { what: 'n4 to own ≥ 60 partitions', timeoutMs: 40_000, everyMs: 50 });
      return Math.round(performance.now() - t0);
    })());

    // n2 cut off from the database: it stops polling at its local deadline, others take its partitions, and
    // what it held back reaches the server after the heal only to be refused by the fence.
    await sleep(2_000);
    const beforeCut = await db<{ part: number; epoch: number }[]>`SELECT part, epoch::int FROM partition_lease WHERE owner = 'n2'`;
    const cutAt = performance.now();
    const cutWall = Date.now();
    lossy.partition(true);
    await nodes.get('n2')!.waitFor((l) => l.msg === 'leases ran out without a renewal; stopped polling them' && Number(l.time) >= cutWall, 30_000);
    figures.stoppedAfterCutMs = [Math.round(performance.now() - cutAt)];
    figures.takeoverAfterCutMs = [await timed("the cut-off node's partitions to be taken", async () => {
      const now = await db<{ part: number; epoch: number }[]>`SELECT part, epoch::int FROM partition_lease WHERE owner IS DISTINCT FROM 'n2'`;
      return beforeCut.every((b) => now.some((r) => r.part === b.part && r.epoch > b.epoch));
    })];
    const takenAfterCut = await maxId();
    await sleep(3_000);
    lossy.partition(false);
    await timed('n2 to own partitions again after the heal', async () => (await ownerCount('n2')) > 0, 40_000);

    // A clean stop hands over at once.
    await sleep(2_000);
    const leaving = nodes.get('n1')!;
    leaving.child.kill('SIGTERM');
    figures.handoverMs!.push(await timed("n1's partitions to be taken after SIGTERM", async () => (await ownerCount('n1')) === 0));
    expect(await exitOf(leaving), `${leaving.stderr} ${JSON.stringify(leaving.lines.filter((l) => Number(l.level) >= 40).slice(-5))}`).toBe(0);
    step('n1 exited');
    nodes.delete('n1');

    await sleep(10_000);
    const cluster_ = (await (await fetch(`${nodes.get('n3')!.api}/api/nodes`)).json()) as { nodes: { node: string; partitions: number; info: Record<string, unknown> }[] };
    step(`/api/nodes: ${JSON.stringify(cluster_.nodes.map((n) => [n.node, n.partitions, n.info.leaseRoundMs, n.info.lagP99Ms]))}`);
    expect(cluster_.nodes.map((n) => n.node)).toEqual(['n2', 'n3', 'n4']);
    expect(cluster_.nodes.reduce((sum, n) => sum + n.partitions, 0)).toBe(256);
    const to = Date.now() - 4_000;
    // What was committed while the streaming node was up must have reached its stream.
    const lastLive = await maxId();
    await waitFor(() => streamed.includes(lastLive), { what: `play ${lastLive} on the event stream`, timeoutMs: 10_000 });
    for (const n of nodes.values()) n.child.kill('SIGTERM');
    for (const n of nodes.values()) {
      const code = await exitOf(n);
      step(`${n.name} exited with ${code}: ${JSON.stringify(n.lines.slice(n.lines.findIndex((l) => l.msg === 'stopping')).map((l) => [l.time, l.msg]))}`);
      expect(code, n.stderr).toBe(0);
    }
    nodes.clear();
    sse.close();

    const plays = await db<AuditedPlay[]>`SELECT id::int, station, raw, started_at::float8 AS "startedAt", ended_at::float8 AS "endedAt", writer, part, epoch::int FROM plays ORDER BY id`;
    const findings = auditHistory(farm, plays, { from, to });
    const zombieLate = plays.filter((p) => p.id > takenAt && p.writer === 'n2' && before.some((b) => b.part === p.part && b.epoch === p.epoch));
    const cutOffLate = plays.filter((p) => p.id > takenAfterCut && p.writer === 'n2' && beforeCut.some((b) => b.part === p.part && b.epoch === p.epoch));
    const missingFromStream = plays.filter((p) => p.id > firstId && p.id <= lastLive && !streamed.includes(p.id)).map((p) => p.id);
    console.log(JSON.stringify({ stations: STATIONS, kills: KILLS, lostCommitAnswers: lossy.dropped, ...figures, expected: findings.score.expected, recall: findings.score.recall, plays: plays.length }));

    expectSoundHistory(findings, STATIONS / 2);
    // The fault happened (n2's commits lost their answers), and nothing was written twice for it.
    expect(lossy.dropped).toBeGreaterThan(0);
    expect(zombieLate.map((p) => p.id)).toEqual([]);
    expect(cutOffLate.map((p) => p.id)).toEqual([]);
    expect(missingFromStream).toEqual([]);
  }, 300_000);
});
