// Spawns the real `onair` binary, as a user would run it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../src/onair.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs onair to completion. */
export function onair(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Calls fn with each line of an NDJSON stream (pino's output), parsed, or undefined with the raw text
 * for a line that is not JSON.
 */
export function onLogLines(stream: NodeJS.ReadableStream, fn: (line: Record<string, unknown> | undefined, text: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buffer += d;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let line: Record<string, unknown> | undefined;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = undefined;
      }
      fn(line, text);
    }
  });
}

/** Starts a long-running onair (e.g. `run`) and lets the test wait for log lines. */
export function startOnair(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  const waiters: { test: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  onLogLines(child.stdout!, (parsed, text) => {
    const line = parsed ?? { msg: text };
    lines.push(line);
    for (const w of [...waiters]) if (w.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    lines,
    get stderr() {
      return stderr;
    },
    exited,
    /** Resolves with the first log line (past or future) that passes the test. */
    waitFor(test: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then((code) => reject(new Error(`onair exited (${code}) before the awaited log line; stderr: ${stderr}`)));
      });
    },
  };
}
