// A process the benchmark runs (the farm, onair, a peer): its stdout read as NDJSON lines, its `stats`
// lines kept, and a way to wait for a line and to stop it with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';

export type Line = Record<string, unknown>;

export interface Client {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly stats: Line[];
  /** Lines by message, counted (e.g. 'now playing'). */
  readonly counts: Map<string, number>;
  readonly stderr: () => string;
  /** The first line (past or future) that passes the test; rejects if the process exits first or after timeoutMs. */
  waitFor(test: (l: Line) => boolean, timeoutMs?: number): Promise<Line>;
  /** Sends a signal and waits for the exit (SIGKILL after graceMs). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/**
 * `logFile`: the client's stdout goes to that file (as a daemon's log would), read back every 250 ms, so
 * the bench costs the client no pipe wake-up per log line.
 */
export function startClient(name: string, args: string[], opts: { env?: NodeJS.ProcessEnv; onLine?: (l: Line) => void; logFile?: string } = {}): Client {
  const out = opts.logFile ? openSync(opts.logFile, 'w') : undefined;
  const child = spawn(process.execPath, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', out ?? 'pipe', 'pipe'] });
  const stats: Line[] = [];
  const counts = new Map<string, number>();
  const kept: Line[] = [];
  const waiters: { test: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  let stderr = '';
  let buffer = '';
  const onData = (d: string) => {
    buffer += d;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!text.startsWith('{')) continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue;
      }
      const msg = String(line.msg ?? '');
      counts.set(msg, (counts.get(msg) ?? 0) + 1);
      if (msg === 'stats') stats.push(line);
      else if (msg !== 'now playing' && kept.length < 10_000) kept.push(line);
      opts.onLine?.(line);
      for (const w of [...waiters]) if (w.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
    }
  };
  let tail: NodeJS.Timeout | undefined;
  if (out !== undefined) {
    closeSync(out);
    const fd = openSync(opts.logFile!, 'r');
    const chunk = Buffer.alloc(1 << 20);
    let position = 0;
    const drain = () => {
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, position)) > 0; position += n) onData(chunk.toString('utf8', 0, n));
    };
    tail = setInterval(drain, 250);
    child.on('close', () => {
      clearInterval(tail);
      drain();
      closeSync(fd);
    });
  } else {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', onData);
  }
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    name,
    child,
    pid: child.pid!,
    stats,
    counts,
    stderr: () => stderr,
    exited,
    waitFor(test, timeoutMs = 120_000) {
      const seen = [...stats, ...kept].find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no awaited line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then((code) => (clearTimeout(timer), reject(new Error(`${name} exited (${code}) early; stderr: ${stderr.slice(-2000)}`))));
      });
    },
    async stop(signal = 'SIGINT', graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
