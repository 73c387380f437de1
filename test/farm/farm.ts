// The station farm: one simulator on loopback that plays N stations over every format onair reads —
// status feeds on one port, ICY and Ogg streams on another, both answering on many 127.1.x.y addresses
// so the crawler sees many hosts — with titles from a deterministic schedule and a share of stations
// that misbehave. It writes the stations.json that reads it and a manifest from which a crawl is scored.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { feedEntry, feedPath, FARM_ADMIN } from './feed-farm.ts';
import { FeedServer } from './feed-server.ts';
import { planFarm, type PlannedFeed, type PlannedStation, type PlannedStream, type PlanOptions, type Scenario } from './plan.ts';
import { Schedule } from './schedule.ts';
import { ServedLog, type PhaseCounters } from './served.ts';
import { StreamFarm } from './stream-farm.ts';

export interface FarmOptions extends PlanOptions {
  /** Mean seconds between title changes of one station. */
  changeEverySeconds?: number;
  /** Poll interval written into stations.json. */
  intervalSeconds?: number;
  seed?: number;
  /** Time zero of the schedule; default now. */
  epochMs?: number;
  bitrateKbps?: number;
  tickMs?: number;
  /** Feed port (streams on port + 1); default: any free pair. */
  port?: number;
  /** Where to log each title the first time it reaches each phase's client. */
  logFile?: string;
  /** Feed connections held at once, past which new ones are closed; default: the open-file limit less 1,000. */
  maxFeedConnections?: number;
}

/** Everything a scorer needs: the schedule's parameters and the plan. */
export interface FarmManifest {
  scenario: Scenario;
  seed: number;
  epochMs: number;
  changeEveryMs: number;
  intervalSeconds: number;
  bitrateKbps: number;
  feedPort: number;
  streamPort: number;
  control: string;
  logFile: string | null;
  stations: PlannedStation[];
}

export interface FarmStats {
  now: number;
  phase: string;
  phases: Record<string, PhaseCounters>;
  streamListeners: number;
  /** The farm's own CPU (µs) and event-loop delay, to show it is not the bottleneck. */
  cpuUs: number;
  loopDelayP99Ms: number;
  rssMb: number;
}

export interface StationsFile {
  defaults: { intervalSeconds: number };
  stations: Record<string, unknown>[];
}

export interface Farm {
  readonly plan: PlannedStation[];
  readonly schedule: Schedule;
  readonly served: ServedLog;
  readonly feedPort: number;
  readonly streamPort: number;
  /**
   * http://127.0.0.1:<its own port>: GET /_farm/stats, POST /_farm/phase?name=…. Apart from the feed ports, so
   * a client that holds every connection the farm may open does not lock the bench out.
   */
  readonly control: string;
  stationsFile(): StationsFile;
  manifest(): FarmManifest;
  stats(): FarmStats;
  close(): Promise<void>;
}

export async function startFarm(opts: FarmOptions): Promise<Farm> {
  const plan = planFarm(opts);
  const changeEveryMs = Math.round((opts.changeEverySeconds ?? 30) * 1000);
  const seed = opts.seed ?? 1;
  const epochMs = opts.epochMs ?? Date.now();
  const intervalSeconds = opts.intervalSeconds ?? 10;
  const bitrateKbps = opts.bitrateKbps ?? 128;
  const schedule = new Schedule({ seed, changeEveryMs, epochMs }, plan.length);
  const served = new ServedLog(plan.length, opts.logFile);
  const feeds = new FeedServer({ schedule, served, stations: plan.filter((p): p is PlannedFeed => p.type === 'feed') });
  const byIndex: (PlannedStream | undefined)[] = plan.map((p) => (p.type === 'stream' ? p : undefined));
  const streams = new StreamFarm({ schedule, served, stations: byIndex, bitrateKbps, tickMs: opts.tickMs });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const stats = (): FarmStats => {
    const cpu = process.cpuUsage();
    const names = served.phaseNames();
    return {
      now: Date.now(),
      phase: names[served.phase]!,
      phases: Object.fromEntries(names.map((n, i) => [n, { ...served.counters[i]! }])),
      streamListeners: streams.size,
      cpuUs: cpu.user + cpu.system,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      rssMb: Math.round(process.memoryUsage().rss / 1e5) / 10,
    };
  };

  const http = createHttpServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.url?.startsWith('/_farm/')) {
      const url = new URL(req.url, 'http://farm');
      if (url.pathname === '/_farm/phase') {
        served.setPhase(url.searchParams.get('name') ?? 'idle');
        loopDelay.reset();
      }
      if (url.pathname === '/_farm/stats' || url.pathname === '/_farm/phase') {
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats()));
      }
      return void res.writeHead(404).end();
    }
    feeds.handle(req, res);
  });
  http.on('clientError', (_err, socket) => socket.destroy());

  const servers: net.Server[] = [];
  const listen = (host: string, port: number, onSocket: (s: net.Socket) => void) =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, onSocket);
      server.once('error', reject);
      server.listen({ host, port, backlog: 4096 }, () => {
        servers.push(server);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  // The http server never listens itself, so it does not track these sockets: the farm does, to close them.
  const feedSockets = new Set<net.Socket>();
  const feedConnectionCap = opts.maxFeedConnections ?? feedConnectionsAllowed();
  const toHttp = (s: net.Socket) => {
    // A real server turns clients away past its limit; past the process's file limit this one could not
    // even answer the bench (a peer without a concurrency bound held 20,000 connections).
    if (feedSockets.size >= feedConnectionCap) {
      served.current.refusedConnections++;
      return void s.destroy();
    }
    served.current.feedConnections++;
    feedSockets.add(s);
    s.on('close', () => feedSockets.delete(s));
    http.emit('connection', s);
  };
  const controlSockets = new Set<net.Socket>();
  const toControl = (s: net.Socket) => {
    controlSockets.add(s);
    s.on('close', () => controlSockets.delete(s));
    http.emit('connection', s);
  };
  const toStreams = (s: net.Socket) => streams.handle(s);
  const feedPort = await listen('127.0.0.1', opts.port ?? 0, toHttp);
  const streamPort = await listen('127.0.0.1', opts.port ? opts.port + 1 : 0, toStreams);
  const addresses = [...new Set(plan.map((p) => p.address))];
  await Promise.all(addresses.flatMap((a) => [listen(a, feedPort, toHttp), listen(a, streamPort, toStreams)]));
  const control = `http://127.0.0.1:${await listen('127.0.0.1', 0, toControl)}`;

  const entry = (p: PlannedStation): Record<string, unknown> => {
    const name = `Station ${p.id}`;
    if (p.type === 'feed') {
      const origin = `http://${p.address}:${feedPort}`;
      const path = p.fault ? `/bad/${p.fault}/${p.index}${feedPath(p.kind, p.server).replace(/^\/[^/]+\/\d+/, '')}` : undefined;
      return { id: p.id, name, feed: feedEntry(p.kind, origin, p.server, p.slot, FARM_ADMIN, path) };
    }
    const suffix = p.kind === 'icy-shoutcast' ? '/;' : p.kind.startsWith('ogg') ? '.ogg' : p.kind === 'icy-icecast' ? '.mp3' : '';
    const path = p.fault ? `/bad/${p.fault}/${p.index}` : `/stream/${p.index}${suffix}`;
    return { id: p.id, name, stream: { url: `http://${p.address}:${streamPort}${path}`, mode: p.mode } };
  };

  return {
    plan,
    schedule,
    served,
    feedPort,
    streamPort,
    control,
    stationsFile: () => ({ defaults: { intervalSeconds }, stations: plan.map(entry) }),
    manifest: () => ({
      scenario: opts.scenario, seed, epochMs, changeEveryMs, intervalSeconds, bitrateKbps, feedPort, streamPort, control,
      logFile: opts.logFile ?? null, stations: plan,
    }),
    stats,
    async close() {
      streams.close();
      feeds.close();
      loopDelay.disable();
      for (const s of [...feedSockets, ...controlSockets]) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      await served.close();
    },
  };
}

/** Room left for the control port, stream listeners and files: 1,000 descriptors below the process's limit. */
const SPARE_DESCRIPTORS = 1_000;

/** Feed connections the farm holds at once: its open-file limit less the spare (no limit where unknown). */
function feedConnectionsAllowed(): number {
  try {
    const soft = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return soft ? Math.max(SPARE_DESCRIPTORS, Number(soft) - SPARE_DESCRIPTORS) : Infinity;
  } catch {
    return Infinity;
  }
}
