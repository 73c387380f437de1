// Crash safety and restart continuity of the real binary: `onair run` against the feed farm while songs
// change, killed with SIGKILL at seeded random moments (during start-up too) and restarted. After every
// kill the database must still hold every play committed before it, none twice, none overlapping another
// of its station. Then a clean stop and start: a song still on air is not recorded again, one that changed
// while the crawler was down is recorded once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../../src/clock.ts';
import { startFeedFarm, type FeedFarm } from '../farm/feed-farm.ts';
import { startOnair } from '../helpers/onair-bin.ts';
import { waitFor } from '../helpers/wait.ts';
import { sized } from '../faults/mode.ts';

const RUNS = sized(5, 24);

interface PlayRow {
  id: number;
  station: string;
  raw: string;
  startedAt: number;
  endedAt: number | null;
}

/** Every committed play, read through a separate read-only connection (WAL lets it sit beside the writer). */
function readPlays(file: string): PlayRow[] {
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'plays'").get();
    if (!hasTable) return [];
    return db.prepare('SELECT id, station, raw, started_at AS startedAt, ended_at AS endedAt FROM plays ORDER BY id').all() as PlayRow[];
  } finally {
    db.close();
  }
}

/** The invariants of a station's history: in order, not overlapping, at most one open (the last), no song twice. */
function checkHistory(plays: PlayRow[], served: Map<string, string[]>, when: string): void {
  const byStation = new Map<string, PlayRow[]>();
  for (const p of plays) byStation.set(p.station, [...(byStation.get(p.station) ?? []), p]);
  for (const [station, list] of byStation) {
    list.sort((a, b) => a.startedAt - b.startedAt || a.id - b.id);
    const where = `${station} ${when}`;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (i < list.length - 1) {
        expect(p.endedAt, `${where}: play ${p.id} "${p.raw}" is open but not the last`).not.toBeNull();
        expect(p.endedAt!, `${where}: play ${p.id} overlaps the next`).toBeLessThanOrEqual(list[i + 1]!.startedAt);
      }
      if (p.endedAt !== null) expect(p.endedAt, `${where}: play ${p.id} ends before it starts`).toBeGreaterThanOrEqual(p.startedAt);
    }
    // The farm never plays a song twice on a station, so a raw seen twice is a play recorded twice.
    const raws = list.map((p) => p.raw);
    expect(new Set(raws).size, `${where}: a song recorded twice: ${JSON.stringify(raws)}`).toBe(raws.length);
    // Everything recorded was on air, in the order it was on air (changes between two polls may be missed).
    const history = served.get(station) ?? [];
    let at = -1;
    for (const raw of raws) {
      const next = history.indexOf(raw, at + 1);
      expect(next, `${where}: "${raw}" recorded out of order or never served; served ${JSON.stringify(history)}`).toBeGreaterThan(at);
      at = next;
    }
  }
}

/** Plays committed before a kill are all still there, unchanged (an open one may have been closed since). */
function checkKept(before: PlayRow[], after: PlayRow[], when: string): void {
  const now = new Map(after.map((p) => [p.id, p]));
  for (const p of before) {
    const q = now.get(p.id);
    expect(q, `${when}: committed play ${p.id} (${p.station} "${p.raw}") lost`).toBeDefined();
    expect({ station: q!.station, raw: q!.raw, startedAt: q!.startedAt }, `${when}: play ${p.id} changed`).toEqual({ station: p.station, raw: p.raw, startedAt: p.startedAt });
    if (p.endedAt !== null) expect(q!.endedAt, `${when}: play ${p.id} end changed`).toBe(p.endedAt);
  }
}

interface Rig {
  dir: string;
  stationsFile: string;
  dbFile: string;
  farm: FeedFarm;
  /** Per station, every song it has served (set), oldest first. */
  served: Map<string, string[]>;
  setSong(id: string, n: number): void;
  cleanup(): Promise<void>;
}

async function rig(stations: number): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'onair-crash-'));
  const farm = await startFeedFarm({ stations, mountsPerServer: 2 });
  const served = new Map<string, string[]>();
  const setSong = (id: string, n: number) => {
    const song = { artist: `Artist ${id}`, title: `Song ${n}` };
    farm.setSong(id, song);
    served.set(id, [...(served.get(id) ?? []), `${song.artist} - ${song.title}`]);
  };
  farm.stations.forEach((s) => setSong(s.id, 0));
  const stationsFile = join(dir, 'stations.json');
  writeFileSync(stationsFile, JSON.stringify({ stations: farm.stations.map((s) => farm.stationEntry(s)) }));
  return {
    dir,
    stationsFile,
    dbFile: join(dir, 'data', 'onair.db'),
    farm,
    served,
    setSong,
    async cleanup() {
      await farm.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const runArgs = (r: Rig) => ['run', '--stations', r.stationsFile, '--db', r.dbFile, '--interval', '1'];

/** Every crawler started here, so a failing test leaves none running. */
const started: ReturnType<typeof startOnair>[] = [];
function start(r: Rig, extraArgs: string[] = []): ReturnType<typeof startOnair> {
  const child = startOnair([...runArgs(r), ...extraArgs]);
  started.push(child);
  return child;
}
afterAll(() => {
  for (const c of started) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});

describe('kill -9 at random moments while recording', () => {
  let r: Rig;
  let changer: NodeJS.Timeout | undefined;
  const random = seededRandom(20261128);
  /** Kill moments from their own seeded sequence, so they do not depend on how the song changer interleaves. */
  const killAt = seededRandom(5);
  const figures = { runs: 0, killedBeforeStart: 0, plays: 0 };

  beforeAll(async () => {
    r = await rig(14);
    // Songs change all the time, in real time: one station every 150 ms, so each changes every ~2 s.
    const counters = new Map(r.farm.stations.map((s) => [s.id, 0]));
    changer = setInterval(() => {
      const s = r.farm.stations[Math.floor(random() * r.farm.stations.length)]!;
      const n = counters.get(s.id)! + 1;
      counters.set(s.id, n);
      r.setSong(s.id, n);
    }, 150);
  });

  afterAll(async () => {
    clearInterval(changer);
    await r?.cleanup();
    console.log(`crash safety: ${figures.runs} kill -9 runs (${figures.killedBeforeStart} during start-up), ${figures.plays} plays kept`);
  });

  it(
    `keeps every committed play, none twice, none overlapping, over ${RUNS} kills and restarts`,
    async () => {
      let before: PlayRow[] = [];
      for (let run = 0; run < RUNS; run++) {
        const child = start(r);
        // One run in five dies during start-up (opening the database, migrating, first polls).
        const early = run === 1 || killAt() < 0.2;
        if (early) {
          await sleep(50 + killAt() * 700);
          figures.killedBeforeStart++;
        } else {
          await child.waitFor((l) => l.msg === 'crawler started');
          await sleep(200 + killAt() * 2500);
        }
        const snapshot = readPlays(r.dbFile);
        child.child.kill('SIGKILL');
        const code = await child.exited;
        expect(code, `run ${run}: ${child.stderr}`).toBeNull(); // killed, not exited on its own
        const after = readPlays(r.dbFile);
        checkKept(before, after, `after kill ${run}`);
        checkKept(snapshot, after, `after kill ${run}`);
        checkHistory(after, r.served, `after kill ${run}`);
        before = after;
        figures.runs++;
      }
      // A last, clean run: it recovers the database, goes on recording and stops with exit code 0.
      const child = start(r);
      await child.waitFor((l) => l.msg === 'crawler started');
      const recorded = () => readPlays(r.dbFile);
      await waitFor(() => recorded().length > before.length && new Set(recorded().map((p) => p.station)).size === r.farm.stations.length, {
        what: () => `the clean run to record a new play and one of every station (${recorded().length} plays, ${before.length} before it)`,
        timeoutMs: 30_000,
        everyMs: 100,
      });
      child.child.kill('SIGTERM');
      expect(await child.exited, child.stderr).toBe(0);
      const final = readPlays(r.dbFile);
      checkKept(before, final, 'after the clean stop');
      checkHistory(final, r.served, 'after the clean stop');
      expect(final.length).toBeGreaterThan(before.length);
      expect(new Set(final.map((p) => p.station)).size).toBe(r.farm.stations.length);
      figures.plays = final.length;
    },
    RUNS * 15_000 + 60_000,
  );
});

describe('stop and start again', () => {
  let r: Rig;
  afterAll(async () => {
    await r?.cleanup();
  });

  it('does not record a song still on air again, and records once a song that changed while down', async () => {
    r = await rig(7);
    const ids = r.farm.stations.map((s) => s.id);
    const playsOf = (plays: PlayRow[], id: string) => plays.filter((p) => p.station === id).sort((a, b) => a.id - b.id);

    const first = start(r);
    await first.waitFor((l) => l.msg === 'crawler started');
    const stationsRecorded = () => new Set(readPlays(r.dbFile).map((p) => p.station)).size;
    await waitFor(() => stationsRecorded() === ids.length, {
      what: () => `a play of every station (${stationsRecorded()} of ${ids.length})`,
      timeoutMs: 30_000,
      everyMs: 100,
    });
    first.child.kill('SIGTERM');
    expect(await first.exited, first.stderr).toBe(0);
    expect(new Set(readPlays(r.dbFile).map((p) => p.station)).size).toBe(ids.length);

    // While the crawler is down, every other station moves on to its next song.
    const changed = ids.filter((_, i) => i % 2 === 1);
    for (const id of changed) r.setSong(id, 1);
    const second = start(r, ['--log-level', 'debug']);
    await second.waitFor((l) => l.msg === 'crawler started');
    // Until every station has been polled at least twice since the restart (a debug line per poll: its health
    // row is rewritten only once a minute), and the changes are in.
    const polls = (id: string) => second.lines.filter((l) => l.msg === 'poll' && l.station === id).length;
    await waitFor(() => ids.every((id) => polls(id) >= 2) && changed.every((id) => playsOf(readPlays(r.dbFile), id).length >= 2), {
      what: () => `every station polled twice since the restart (${ids.map((id) => polls(id)).join(', ')} polls) and the changes made while down recorded`,
      timeoutMs: 30_000,
      everyMs: 100,
    });
    second.child.kill('SIGTERM');
    expect(await second.exited, second.stderr).toBe(0);

    const plays = readPlays(r.dbFile);
    for (const id of ids) {
      const mine = playsOf(plays, id).map((p) => ({ raw: p.raw, open: p.endedAt === null }));
      if (changed.includes(id)) {
        expect(mine, id).toEqual([
          { raw: `Artist ${id} - Song 0`, open: false },
          { raw: `Artist ${id} - Song 1`, open: true },
        ]);
      } else {
        expect(mine, id).toEqual([{ raw: `Artist ${id} - Song 0`, open: true }]);
      }
    }
    checkHistory(plays, r.served, 'after restart');
  }, 120_000);
});
