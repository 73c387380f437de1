// `onair run --workers N`: N crawler processes of this machine against one database, supervised. The parent
// forks them (each a node with its own name and leases), restarts one that dies with a growing delay, kills
// and replaces one stopped for longer than a lease (a stopped SQLite writer blocks every other writer, and no
// server times it out), forwards SIGHUP, and stops them all on stop(). Each worker reports its stats over
// the IPC channel, so the parent can serve the HTTP API for all of them.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { CrawlerStats } from '../crawler/view.ts';
import type { Logger } from '../log.ts';
import { combineStats } from './worker-stats.ts';

/** What a worker sends its parent every second. */
export interface WorkerReport {
  type: 'stats';
  stats: CrawlerStats;
  partitions: number[];
  /** The worker's own CPU (user + system, µs) and resident memory (MB). */
  cpuUs: number;
  rssMb: number;
}

export interface SupervisorOptions {
  count: number;
  /** The onair binary and the `run` arguments every worker gets (its --node is added). */
  entry: string;
  args: string[];
  /** Workers are named `${nodeBase}-w1` … */
  nodeBase: string;
  leaseMs: number;
  logger: Logger;
}

const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long without dying restarts at the shortest delay again. */
const HEALTHY_AFTER_MS = 60_000;
const WATCH_EVERY_MS = 500;
const STOP_GRACE_MS = 4_000;

interface Worker {
  name: string;
  child: ChildProcess | undefined;
  startedAt: number;
  restartDelayMs: number;
  restarts: number;
  stoppedSince: number | undefined;
  report: WorkerReport | undefined;
  exited: Promise<void>;
}

export class Supervisor {
  private readonly workers: Worker[];
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly opts: SupervisorOptions) {
    this.workers = Array.from({ length: opts.count }, (_, i) => ({
      name: `${opts.nodeBase}-w${i + 1}`,
      child: undefined,
      startedAt: 0,
      restartDelayMs: RESTART_MIN_MS,
      restarts: 0,
      stoppedSince: undefined,
      report: undefined,
      exited: Promise.resolve(),
    }));
  }

  start(): void {
    for (const w of this.workers) this.spawn(w);
    this.watchdog = setInterval(() => this.watch(), WATCH_EVERY_MS);
  }

  /** Every worker's last report, combined. */
  stats(): CrawlerStats {
    return combineStats(this.workers.flatMap((w) => (w.report ? [w.report.stats] : [])));
  }

  /** CPU (µs, since each worker started) and resident memory (MB) of the workers and this process, summed. */
  resources(): { cpuUs: number; rssMb: number } {
    const own = process.cpuUsage();
    let cpuUs = own.user + own.system;
    let rssMb = process.memoryUsage().rss / 1e6;
    for (const w of this.workers) {
      cpuUs += w.report?.cpuUs ?? 0;
      rssMb += w.report?.rssMb ?? 0;
    }
    return { cpuUs, rssMb: Math.round(rssMb * 10) / 10 };
  }

  partitions(): number[] {
    return this.workers.flatMap((w) => w.report?.partitions ?? []).sort((a, b) => a - b);
  }

  /** The workers now: name, pid, restarts. */
  list(): { name: string; pid: number | undefined; restarts: number }[] {
    return this.workers.map((w) => ({ name: w.name, pid: w.child?.pid, restarts: w.restarts }));
  }

  signal(sig: NodeJS.Signals): void {
    for (const w of this.workers) w.child?.kill(sig);
  }

  /** SIGTERM to every worker; a worker not gone after the grace period is killed. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchdog);
    for (const w of this.workers) w.child?.kill('SIGCONT');
    this.signal('SIGTERM');
    const grace = setTimeout(() => this.signal('SIGKILL'), STOP_GRACE_MS);
    await Promise.all(this.workers.map((w) => w.exited));
    clearTimeout(grace);
  }

  private spawn(w: Worker): void {
    const { logger, entry, args } = this.opts;
    const child = fork(entry, ['run', ...args, '--node', w.name], {
      env: { ...process.env, ONAIR_WORKER: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    w.child = child;
    w.startedAt = Date.now();
    w.stoppedSince = undefined;
    w.report = undefined;
    child.on('message', (m: WorkerReport) => {
      if (m?.type === 'stats') w.report = m;
    });
    w.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        w.child = undefined;
        w.report = undefined;
        resolve();
        if (this.stopping) return;
        if (Date.now() - w.startedAt > HEALTHY_AFTER_MS) w.restartDelayMs = RESTART_MIN_MS;
        logger.error({ worker: w.name, code, signal, restartInMs: w.restartDelayMs }, 'worker exited; restarting it');
        const delay = w.restartDelayMs;
        w.restartDelayMs = Math.min(RESTART_MAX_MS, w.restartDelayMs * 2);
        setTimeout(() => {
          if (this.stopping) return;
          w.restarts++;
          this.spawn(w);
        }, delay);
      });
    });
    logger.info({ worker: w.name, pid: child.pid }, 'worker started');
  }

  /** Kills a worker stopped (SIGSTOP, a debugger) for longer than a lease: the others cannot wait for it. */
  private watch(): void {
    const now = Date.now();
    for (const w of this.workers) {
      const pid = w.child?.pid;
      if (pid === undefined) continue;
      if (processState(pid) !== 'T') {
        w.stoppedSince = undefined;
        continue;
      }
      w.stoppedSince ??= now;
      if (now - w.stoppedSince > this.opts.leaseMs) {
        this.opts.logger.error({ worker: w.name, pid, stoppedMs: now - w.stoppedSince }, 'worker stopped for longer than a lease; killing it');
        w.child!.kill('SIGKILL');
        w.stoppedSince = undefined;
      }
    }
  }
}

/** The state letter of a process (R, S, D, T for stopped, …) from /proc, or undefined where it is gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S …": the name may hold spaces and parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}
