// Spawns the real `onair` binary, as a user would run it: the compiled dist/onair.js that npm installs, which
// vitest's global setup (build-dist.ts) builds from the current sources before any test runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor as until } from './wait.ts';

export const BIN = fileURLToPath(new URL('../../dist/onair.js', import.meta.url));

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
  onLogLines(child.stdout!, (parsed, text) => void lines.push(parsed ?? { msg: text }));
  child.stderr!.on('data', (d) => (stderr += d));
  let closed = false;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => ((closed = true), resolve(code))));
  return {
    child,
    lines,
    get stderr() {
      return stderr;
    },
    exited,
    /**
     * Resolves with the first log line (past or future) that passes the test; rejects if onair exits first,
     * or after `timeoutMs` (a real process on a busy machine: generous, and the message names the test).
     */
    async waitFor(test: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
      let seen: Record<string, unknown> | undefined;
      await until(
        () => {
          seen = lines.find(test);
          if (seen) return true;
          if (closed) throw new Error(`onair exited (${child.exitCode ?? child.signalCode}) before the log line ${test}; stderr: ${stderr}`);
          return false;
        },
        { what: () => `onair's log line ${test}; stderr: ${stderr.slice(-2000)}`, timeoutMs, everyMs: 10 },
      );
      return seen!;
    },
  };
}
