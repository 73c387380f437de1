// One client's turn on the farm: tell the farm whose traffic follows, start the client, let it warm up,
// measure a window between two of its `stats` lines (its own counters and CPU, the farm's bytes for it,
// /proc for peak memory), stop it with SIGINT, and collect what it recorded.
import { setTimeout as sleep } from 'node:timers/promises';
import { startClient, type Client, type Line } from './client.ts';
import { peakRssMb, rssMb } from './proc.ts';
import type { RecordedChange } from '../farm/score.ts';
import type { FarmStats } from '../farm/farm.ts';
import type { PhaseCounters } from '../farm/served.ts';

export interface PhaseSpec {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the client's stdout goes (read back for its stats lines). */
  logFile?: string;
  warmupMs: number;
  /**
   * After the warm-up, how much longer to wait for the client to settle (a stats line with lag p99 under
   * 1 s) before measuring anyway: the first round after a start costs more than the rest (every station is
   * new: a fresh connection, a full parse and a play to write), and its backlog is not the steady state.
   */
  settleMs: number;
  seconds: number;
  /** Reads what the client recorded, once it has exited. */
  records(): RecordedChange[] | Promise<RecordedChange[]>;
}

export interface PhaseResult {
  name: string;
  /** When the client said it started, and when it was told to stop. */
  startedAt: number;
  stoppedAt: number;
  /** Seconds from the start to the first stats line with lag p99 under 1 s; null if it did not settle in time. */
  settledAfterS: number | null;
  /** The highest lag p99 of the stats lines before the window (the start-up's backlog). */
  startupLagP99Ms: number | null;
  /** The two stats lines that bound the measurement window. */
  first: Line;
  last: Line;
  /** Lag percentiles of every stats line in the window. */
  lagLines: Line[];
  farmFirst: FarmStats;
  farmLast: FarmStats;
  /** The farm's counters for this phase over the window. */
  farm: PhaseCounters;
  peakRssMb: number;
  /** Resident memory at the end of the window. */
  rssMb: number;
  exitCode: number | null;
  records: RecordedChange[];
  lineCounts: Record<string, number>;
}

/** Asks the farm on its control port; retried for a while, since a client that floods the farm can slow its answers. */
export async function farmCall(control: string, path: string): Promise<FarmStats> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${control}${path}`, { method: path.startsWith('/_farm/phase') ? 'POST' : 'GET', signal: AbortSignal.timeout(5_000) });
      return (await res.json()) as FarmStats;
    } catch (err) {
      if (attempt >= 6) throw new Error(`the farm does not answer ${path}: ${(err as Error).message}`);
      await sleep(1_000);
    }
  }
}

/** The first stats line stamped after `after`. */
function statsAfter(client: Client, after: number): Promise<Line> {
  return client.waitFor((l) => l.msg === 'stats' && Number(l.time) > after, 60_000);
}

export async function runPhase(control: string, spec: PhaseSpec, log: (text: string) => void): Promise<PhaseResult> {
  await farmCall(control, `/_farm/phase?name=${encodeURIComponent(spec.name)}`);
  const client = startClient(spec.name, spec.args, { env: spec.env, logFile: spec.logFile });
  try {
    const started = await client.waitFor((l) => l.msg === 'crawler started', 180_000);
    const startedAt = Number(started.time);
    log(`${spec.name}: started (pid ${client.pid}); warming up ${Math.round(spec.warmupMs / 1000)} s, then measuring ${spec.seconds} s`);
    await sleep(Math.max(0, startedAt + spec.warmupMs - Date.now()));
    const warmedAt = Date.now();
    const settled = await client
      .waitFor((l) => l.msg === 'stats' && Number(l.time) > warmedAt && Number(l.lagP99Ms) < 1000, Math.max(1, startedAt + spec.warmupMs + spec.settleMs - Date.now()))
      .catch(() => undefined);
    const settledAfterS = settled ? (Number(settled.time) - startedAt) / 1000 : null;
    log(`${spec.name}: ${settled ? `settled (lag p99 < 1 s) ${settledAfterS!.toFixed(1)} s after its start` : `not settled ${Math.round((spec.warmupMs + spec.settleMs) / 1000)} s after its start; measuring anyway`}`);
    const first = await statsAfter(client, Date.now());
    const farmFirst = await farmCall(control, '/_farm/stats');
    await sleep(Math.max(0, Number(first.time) + spec.seconds * 1000 - Date.now() - 2_500));
    const last = await statsAfter(client, Number(first.time) + spec.seconds * 1000 - 2_500);
    const farmLast = await farmCall(control, '/_farm/stats');
    const rss = peakRssMb(client.pid);
    const rssNow = rssMb(client.pid);
    const stoppedAt = Date.now();
    const exitCode = await client.stop('SIGINT');
    const lagLines = client.stats.filter((l) => Number(l.time) > Number(first.time) && Number(l.time) <= Number(last.time));
    const startupLags = client.stats.filter((l) => Number(l.time) <= Number(first.time) && l.lagP99Ms !== undefined).map((l) => Number(l.lagP99Ms));
    const startupLagP99Ms = startupLags.length ? Math.max(...startupLags) : null;
    const before = farmFirst.phases[spec.name]!;
    const after = farmLast.phases[spec.name]!;
    const farm = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k as keyof PhaseCounters] ?? 0)])) as unknown as PhaseCounters;
    farm.streamsOpen = after.streamsOpen;
    return {
      name: spec.name, startedAt, stoppedAt, settledAfterS, startupLagP99Ms, first, last, lagLines, farmFirst, farmLast, farm, peakRssMb: rss, rssMb: rssNow, exitCode,
      records: await spec.records(), lineCounts: Object.fromEntries(client.counts),
    };
  } catch (err) {
    await client.stop('SIGKILL', 1_000);
    throw err;
  }
}
