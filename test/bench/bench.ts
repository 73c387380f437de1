// `npm run bench -- --scenario feeds|streams-live|streams-snapshot|mixed [--stations N] [--seconds S] [--quick]`
// Runs the station farm and the real `onair run` as separate processes, then each peer on the same farm,
// one after another; scores every crawl against the farm's schedule and prints, as its last line, one JSON
// object with the figures, the ratios onair vs each peer, and the issue's targets. `--quick` (CI) runs a
// small mixed farm and exits 1 unless every change was recorded exactly once.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.ts';
import { DEFAULTS } from '../../src/config.ts';
import { startClient } from './client.ts';
import { runPhase, type PhaseSpec } from './phase.ts';
import { clientFigures, peerRatios, targets, type ClientFigures, type PeerRatios } from './report.ts';
import type { FarmManifest } from '../farm/farm.ts';
import { SCENARIOS, type PlannedStation, type Scenario } from '../farm/plan.ts';
import { Schedule, titleIndexOf } from '../farm/schedule.ts';
import { scoreCrawl, type RecordedChange } from '../farm/score.ts';
import { parseServedLog } from '../farm/served.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEERS = ['fetch-loop', 'icecast-parser-default', 'icecast-parser-keep'] as const;
type Peer = (typeof PEERS)[number];

const USAGE = `npm run bench -- [--scenario ${SCENARIOS.join('|')}] [--stations N] [--seconds S] [--quick]
  [--interval S] [--change-every S] [--bad-share F] [--hosts N] [--peers none|all|${PEERS.join(',')}]
  [--concurrency N (onair's)] [--per-host N] [--workers N (onair's)] [--db sqlite|postgres (onair's; postgres: a
  private cluster started for the run)] [--node-flags "FLAGS"] [--profile] [--keep]`;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    stations: { type: 'string' },
    seconds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    interval: { type: 'string' },
    'change-every': { type: 'string' },
    'bad-share': { type: 'string', default: '0.05' },
    hosts: { type: 'string', default: '200' },
    peers: { type: 'string' },
    concurrency: { type: 'string' },
    'per-host': { type: 'string' },
    workers: { type: 'string' },
    db: { type: 'string', default: 'sqlite' },
    profile: { type: 'boolean', default: false },
    // Extra flags for onair's node, e.g. "--max-semi-space-size=32", to try V8 settings without editing the binary.
    'node-flags': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = values.quick!;
const scenario = (values.scenario ?? (quick ? 'mixed' : 'feeds')) as Scenario;
if (!SCENARIOS.includes(scenario)) {
  console.error(`bench: unknown scenario "${scenario}"\n${USAGE}`);
  process.exit(2);
}
const FULL_SIZE: Record<Scenario, number> = { feeds: 20_000, 'streams-live': 5_000, 'streams-snapshot': 5_000, mixed: 2_000 };
const DEFAULT_PEERS: Record<Scenario, Peer[]> = {
  feeds: ['fetch-loop'],
  'streams-live': ['icecast-parser-keep', 'icecast-parser-default'],
  'streams-snapshot': ['icecast-parser-default', 'icecast-parser-keep'],
  mixed: [],
};
const stations = Number(values.stations ?? (quick ? 300 : FULL_SIZE[scenario]));
const seconds = Number(values.seconds ?? (quick ? 30 : 60));
const intervalSeconds = Number(values.interval ?? (quick ? 2 : 10));
const changeEverySeconds = Number(values['change-every'] ?? (quick ? 6 : 30));
const peers: Peer[] = values.peers === undefined ? (quick ? [] : DEFAULT_PEERS[scenario]) : values.peers === 'none' ? [] : values.peers === 'all' ? [...PEERS] : (values.peers.split(',') as Peer[]);
for (const p of peers) if (!PEERS.includes(p)) (console.error(`bench: unknown peer "${p}"\n${USAGE}`), process.exit(2));
if (changeEverySeconds * 0.75 <= intervalSeconds) console.error(`bench: titles as short as ${changeEverySeconds * 0.75} s cannot all be seen by polls every ${intervalSeconds} s`);

if (!['sqlite', 'postgres'].includes(values.db!)) (console.error(`bench: --db must be sqlite or postgres\n${USAGE}`), process.exit(2));

const log = (text: string) => console.log(`[bench] ${text}`);
const pct = (share: number | null) => (share === null ? '-' : `${(100 * share).toFixed(1)} %`);
const dir = mkdtempSync(join(tmpdir(), 'onair-bench-'));
const tsx = ['--import', 'tsx'];

log(`${scenario}: ${stations} stations, interval ${intervalSeconds} s, a change every ~${changeEverySeconds} s, ${seconds} s measured; peers: ${peers.join(', ') || 'none'}; files in ${dir}`);
const farm = startClient('farm', [
  ...tsx, join(ROOT, 'test/farm/farm-cli.ts'), '--stations', String(stations), '--scenario', scenario,
  '--interval', String(intervalSeconds), '--change-every', String(changeEverySeconds), '--bad-share', values['bad-share']!,
  '--hosts', values.hosts!, '--out', join(dir, 'stations.json'), '--manifest', join(dir, 'manifest.json'), '--log', join(dir, 'served.csv'),
]);

let exitCode = 0;
let summary: string | undefined;
let pg: PostgresCluster | undefined;

/** onair's plays from a PostgreSQL database, as the scorer reads them. */
function readPostgresPlays(url: string) {
  return async (): Promise<RecordedChange[]> => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      return (await sql<RecordedChange[]>`SELECT station, raw, started_at::float8 AS at FROM plays`).map((r) => ({ ...r }));
    } finally {
      await sql.end({ timeout: 1 });
    }
  };
}
try {
  const ready = await farm.waitFor((l) => l.ready === true, 120_000);
  const control = String(ready.control);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as FarmManifest;
  const schedule = new Schedule({ seed: manifest.seed, changeEveryMs: manifest.changeEveryMs, epochMs: manifest.epochMs }, manifest.stations.length);
  const plan = manifest.stations;
  const stationsFile = join(dir, 'stations.json');
  log(`farm ready: ${ready.feeds} feed and ${ready.streams} stream stations, ${ready.misbehaving} misbehaving, on ${control}`);

  const warmupMs = (intervalSeconds + 5) * 1000;
  const settleMs = (quick ? 2 : 4) * intervalSeconds * 1000;
  const readNdjson = (file: string) => (): RecordedChange[] =>
    readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RecordedChange);
  const readPlays = (file: string, sql: string) => (): RecordedChange[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).all() as RecordedChange[];
    } finally {
      db.close();
    }
  };
  // PostgreSQL: a private cluster on this machine (the same helper the tests use), torn down at the end.
  pg = values.db === 'postgres' ? await startPostgres() : undefined;
  const onairDb = pg ? await pg.createDatabase() : join(dir, 'onair.db');
  const onairRecords = pg ? readPostgresPlays(onairDb) : readPlays(onairDb, 'SELECT station, raw, started_at AS at FROM plays');
  const onairArgs = [
    ...(values['node-flags'] ? values['node-flags'].split(/\s+/).filter(Boolean) : []),
    ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'profile')}`] : []),
    join(ROOT, 'dist/onair.js'), 'run', '--stations', stationsFile, '--db', onairDb, '--stats-every', '5',
    ...(values.concurrency ? ['--concurrency', values.concurrency] : []),
    ...(values['per-host'] ? ['--per-host', values['per-host']] : []),
    // Several worker processes on the one SQLite file: the parent's stats line sums their counters and CPU.
    ...(values.workers ? ['--workers', values.workers] : []),
  ];
  const specs: { spec: PhaseSpec; include: (p: PlannedStation) => boolean; polled: (p: PlannedStation) => boolean }[] = [
    {
      spec: {
        name: 'onair', args: onairArgs, env: { LOG_LEVEL: 'info' }, logFile: join(dir, 'onair.log'), warmupMs, settleMs, seconds,
        records: onairRecords,
      },
      include: () => true,
      polled: (p) => p.type === 'feed' || p.mode === 'snapshot',
    },
  ];
  for (const peer of peers) {
    const out = join(dir, peer === 'fetch-loop' ? `${peer}.db` : `${peer}.ndjson`);
    const script = peer === 'fetch-loop' ? 'test/bench/peers/fetch-loop.ts' : 'test/bench/peers/icecast-parser.ts';
    const mode = peer === 'icecast-parser-keep' ? ['--mode', 'keep'] : peer === 'icecast-parser-default' ? ['--mode', 'default'] : [];
    specs.push({
      spec: { name: peer, args: [...tsx, join(ROOT, script), '--stations', stationsFile, '--out', out, ...mode], logFile: join(dir, `${peer}.log`), warmupMs, settleMs, seconds, records: peer === 'fetch-loop' ? readPlays(out, 'SELECT station, raw, at FROM plays') : readNdjson(out) },
      include: (p) => (peer === 'fetch-loop' ? p.type === 'feed' : p.type === 'stream'),
      polled: (p) => (peer === 'fetch-loop' ? p.type === 'feed' : peer === 'icecast-parser-default' && p.type === 'stream'),
    });
  }

  const indexOf = new Map(plan.map((p) => [p.id, p.index]));
  /** Block sent by the farm → recorded: the farm's log says when each title first went to each client. */
  const servedLatencies = (phase: string, records: RecordedChange[], from: number): number[] => {
    const sent = new Map<string, number>();
    for (const e of parseServedLog(readFileSync(join(dir, 'served.csv'), 'utf8'))) if (e.phase === phase) sent.set(`${e.station}:${e.k}`, e.at);
    const out: number[] = [];
    for (const rec of records) {
      const k = titleIndexOf(rec.raw);
      const at = k === null ? undefined : sent.get(`${indexOf.get(rec.station)}:${k}`);
      if (at !== undefined && rec.at >= from) out.push(rec.at - at);
    }
    return out;
  };
  const figures: Record<string, ClientFigures> = {};
  const failures: Record<string, string> = {};
  for (const { spec, include, polled } of specs) {
    let r;
    try {
      r = await runPhase(control, spec, log);
    } catch (err) {
      // A peer that falls over at this size is a result too; onair's figures still stand.
      if (spec.name === 'onair') throw err;
      const reason = (err as Error).message.split('\n').slice(0, 3).join(' ').slice(0, 500);
      log(`${spec.name}: failed — ${reason}`);
      failures[spec.name] = reason;
      continue;
    }
    const window = { from: r.startedAt + intervalSeconds * 1000 + 2_000, to: r.stoppedAt };
    const score = scoreCrawl(schedule, plan, r.records, window, { include });
    const good = plan.filter((p) => !p.fault && include(p));
    figures[spec.name] = clientFigures(r, score, {
      stations: good.length,
      polledStations: good.filter(polled).length,
      intervalSeconds,
      servedLatencies: servedLatencies(r.name, r.records, window.from),
    });
    const f = figures[spec.name]!;
    log(`${spec.name}: recall ${(100 * f.recall).toFixed(2)} % (${f.changes.recorded}/${f.changes.expected}), twice ${f.changes.recordedTwice}, garbled ${f.changes.garbled}, out of order ${f.changes.outOfOrder}; ` +
      `CPU ${f.cpuPercentOfOneCore} % of a core, ${f.cpuSecondsPer1000Polls ?? '-'} s/1000 polls, ${f.cpuSecondsPerMetadataRead === null ? '-' : Math.round(f.cpuSecondsPerMetadataRead * 1e6)} µs/read; ` +
      `polls/s ${f.pollsPerSecond.achieved} of ${f.pollsPerSecond.due} due, ${f.liveStreams} streams held; ` +
      `lag p50/p99 ${f.lagMs ? `${Math.round(f.lagMs.p50)}/${Math.round(f.lagMs.p99)} ms` : '-'} (start-up: p99 up to ${f.startup.lagP99Ms ?? '-'} ms, settled after ${f.startup.settledAfterS ?? 'no'} s); block→record p99 ${f.servedLatencyMs?.p99 ?? '-'} ms; peak RSS ${f.peakRssMb} MB (${f.rssMb} at the end); ${f.bytesReadPerChange ?? '-'} B/change; farm CPU ${f.farm.cpuPercentOfOneCore} %; ` +
      `farm saw ${f.feedRequests.requests} feed requests (${f.feedRequests.requestsPerPoll ?? '-'} per poll), ${pct(f.feedRequests.newConnectionShare)} on a new connection, ${pct(f.feedRequests.notModifiedShare)} answered 304` +
      (f.feedRequests.refusedConnections ? `; the farm turned ${f.feedRequests.refusedConnections} connections away (it held all its file limit allows)` : ''));
    if (score.missedExamples.length) log(`${spec.name}: missed e.g. ${score.missedExamples.join(', ')}`);
  }

  const onair = figures.onair!;
  const ratios: Record<string, PeerRatios> = {};
  // In the mixed scenario onair reads every station and each peer only its kind: no like-for-like ratio.
  if (scenario !== 'mixed') for (const peer of peers) if (figures[peer]) ratios[peer] = peerRatios(onair, figures[peer]);
  for (const [peer, r] of Object.entries(ratios))
    log(`onair vs ${peer}: ${r.cpuPerRead ?? '-'}× less CPU per metadata read, ${r.cpuPerPoll ?? '-'}× per poll, ${r.cpuTotal ?? '-'}× in all, ${r.bytesPerChange ?? '-'}× fewer bytes per change, recall ${r.recall.onair} vs ${r.recall.peer}`);
  const goals = targets(scenario, onair, ratios);
  const missed = Object.entries(goals).filter(([, t]) => !t.pass).map(([name]) => name);
  log(missed.length ? `targets missed: ${missed.join(', ')}` : 'every target met');
  if (quick && (onair.recall < 1 || onair.changes.recordedTwice > 0 || onair.exitCode !== 0)) exitCode = 1;

  summary = JSON.stringify({
    scenario, cores: availableParallelism(), stations, seconds, intervalSeconds, changeEverySeconds, concurrency: values.concurrency ? Number(values.concurrency) : DEFAULTS.concurrency, quick, db: values.db, workers: Number(values.workers ?? 1),
    ...onair,
    peers: Object.fromEntries(peers.map((p) => [p, figures[p] ?? { failed: failures[p] }])),
    ratios, targets: goals,
  });
} catch (err) {
  console.error(`bench: ${(err as Error).stack ?? err}`);
  exitCode = 1;
} finally {
  await farm.stop('SIGTERM');
  await pg?.stop();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}
// The last line is the one JSON object the lead's scripts read.
if (summary) console.log(summary);
process.exit(exitCode);
