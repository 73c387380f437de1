// `onair run --workers 3` on one SQLite file against the station farm: workers killed with -9 at random
// moments (the supervisor restarts them), one stopped by SIGSTOP (the supervisor kills and replaces it once
// it has been stopped for longer than a lease, since a stopped writer would block every other), the parent's
// own HTTP API streaming the plays all workers commit. The shared history is then audited as on PostgreSQL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEvents } from '../api/sse-client.ts';
import { startFarm, type Farm } from '../farm/farm.ts';
import { tempDir } from '../helpers/crawl.ts';
import { freePort } from '../helpers/free-port.ts';
import { startOnair } from '../helpers/onair-bin.ts';
import { waitFor } from '../helpers/wait.ts';
import { auditHistory, expectSoundHistory, type AuditedPlay } from './history-checks.ts';
import { CHANGE_EVERY_S, KILLS, LEASE_S, STATIONS } from './run-size.ts';

describe('three workers on one SQLite file', () => {
  let farm: Farm;
  let dir: { dir: string; cleanup(): void };
  let parent: ReturnType<typeof startOnair> | undefined;
  let db: Database.Database;

  beforeAll(async () => {
    farm = await startFarm({ scenario: 'feeds', stations: STATIONS, changeEverySeconds: CHANGE_EVERY_S, intervalSeconds: 2, badShare: 0, hosts: 40 });
    dir = tempDir('onair-workers-');
  });
  afterAll(async () => {
    parent?.child.kill('SIGKILL');
    await parent?.exited;
    db?.close();
    await farm?.close();
    dir?.cleanup();
  });

  it('records every long-enough title once through kills and a stopped worker, and streams every play from the parent', async () => {
    const t00 = performance.now();
    const step = (what: string) => console.log(`[${((performance.now() - t00) / 1000).toFixed(1)} s] ${what}`);
    const stationsFile = join(dir.dir, 'stations.json');
    const file = join(dir.dir, 'onair.db');
    writeFileSync(stationsFile, JSON.stringify(farm.stationsFile()));
    const port = await freePort();
    parent = startOnair(['run', '--workers', '3', '--db', file, '--stations', stationsFile, '--node', 'box', '--lease', String(LEASE_S), '--http', `127.0.0.1:${port}`]);
    await parent.waitFor((l) => l.msg === 'http api listening', 30_000);
    db = new Database(file, { readonly: true });
    db.pragma('busy_timeout = 5000');
    const leasesOf = (node: string) => db.prepare('SELECT part, epoch FROM partition_lease WHERE owner = ?').all(node) as { part: number; epoch: number }[];
    const live = () => db.prepare('SELECT count(*) FROM partition_lease WHERE expires_at > ?').pluck().get(Date.now()) as number;
    const pidOf = (node: string) => [...parent!.lines].reverse().find((l) => l.msg === 'worker started' && l.worker === node)!.pid as number;
    const timed = async (what: string, condition: () => boolean, timeoutMs = 30_000) => {
      const t0 = performance.now();
      await waitFor(condition, { what, timeoutMs, everyMs: 50 });
      const ms = Math.round(performance.now() - t0);
      step(`${what}: ${ms} ms`);
      return ms;
    };
    await timed('three workers to share all 256 partitions', () => ['box-w1', 'box-w2', 'box-w3'].every((n) => leasesOf(n).length >= 80) && live() === 256);
    const from = Date.now();
    const firstId = db.prepare('SELECT coalesce(max(id), 0) FROM plays').pluck().get() as number;
    const sse = await openEvents(`http://127.0.0.1:${port}/api/events`, { 'last-event-id': String(firstId) });
    const streamed: number[] = [];
    void (async () => {
      for (;;) streamed.push((await sse.nextPlay()).id);
    })().catch(() => undefined);

    const figures: Record<string, number[]> = { retakeMs: [] };
    for (let k = 0; k < KILLS; k++) {
      await sleep(1_000 + Math.random() * 3_000);
      const victim = `box-w${1 + (k % 3)}`;
      const held = leasesOf(victim);
      process.kill(pidOf(victim), 'SIGKILL');
      // Its leases move to a new epoch: the restarted worker gives them back at start, or another takes them.
      figures.retakeMs!.push(await timed(`${victim}'s partitions to be owned again at a new epoch`, () => {
        const now = new Map((db.prepare('SELECT part, epoch FROM partition_lease WHERE expires_at > ?').all(Date.now()) as { part: number; epoch: number }[]).map((r) => [r.part, r.epoch]));
        return held.every((h) => (now.get(h.part) ?? h.epoch) > h.epoch);
      }));
    }

    await sleep(2_000);
    const stoppedPid = pidOf('box-w2');
    process.kill(stoppedPid, 'SIGSTOP');
    const replaced = await timed('the supervisor to kill and replace the stopped worker', () => pidOf('box-w2') !== stoppedPid, 30_000);
    await timed('all partitions owned again', () => live() === 256);

    await sleep(10_000);
    const to = Date.now() - 4_000;
    // What was committed while the streaming node was up must have reached its stream.
    const lastLive = db.prepare('SELECT coalesce(max(id), 0) FROM plays').pluck().get() as number;
    await waitFor(() => streamed.includes(lastLive), { what: `play ${lastLive} on the event stream`, timeoutMs: 10_000 });
    parent.child.kill('SIGTERM');
    expect(await parent.exited, parent.stderr).toBe(0);
    parent = undefined;
    sse.close();

    const plays = db
      .prepare('SELECT id, station, raw, started_at AS startedAt, ended_at AS endedAt, writer, part, epoch FROM plays ORDER BY id')
      .all() as AuditedPlay[];
    const findings = auditHistory(farm, plays, { from, to });
    const missingFromStream = plays.filter((p) => p.id > firstId && p.id <= lastLive && !streamed.includes(p.id)).map((p) => p.id);
    console.log(JSON.stringify({ stations: STATIONS, kills: KILLS, ...figures, stoppedReplacedMs: replaced, expected: findings.score.expected, recall: findings.score.recall, plays: plays.length }));
    expectSoundHistory(findings, STATIONS / 2);
    expect(missingFromStream).toEqual([]);
  }, 300_000);
});
