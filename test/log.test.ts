// A log in a file keeps up with a crawler that logs faster than its event loop turns: every line is in the
// file when the call that logged it returns, so a burst logged between two turns of a busy loop (thousands of
// polls settling at once) neither waits for the loop nor piles up in memory. pino's default destination wrote
// 16 KiB per turn, and a busy crawler's log fell minutes behind. (A pipe keeps pino's asynchronous writes: a
// slow reader must not stall the crawler.)
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { createLogger, logDestination } from '../src/log.ts';
import { tempDir } from './helpers/crawl.ts';
import { waitFor } from './helpers/wait.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

it('has every line of a 4 MB burst in the file when the burst returns, without a turn of the event loop', () => {
  const tmp = tempDir('onair-log-');
  cleanup = tmp.cleanup;
  const file = join(tmp.dir, 'onair.log');
  const fd = openSync(file, 'w');
  try {
    const logger = createLogger('info', logDestination(fd));
    const LINES = 20_000;
    for (let i = 0; i < LINES; i++) logger.info({ station: `station-${i}`, raw: `Artist ${i} - A title ${'x'.repeat(160)}`, source: 'feed' }, 'now playing');
    const text = readFileSync(file, 'utf8');
    expect(text.length).toBeGreaterThan(4_000_000);
    const lines = text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(LINES);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ station: `station-${LINES - 1}`, msg: 'now playing' });
  } finally {
    closeSync(fd);
  }
});

it('does not stall on a pipe nobody reads yet: the lines wait in memory and all arrive once it is read', async () => {
  // The built logger (vitest's global setup builds dist/) in a child whose stdout is a pipe this test leaves
  // unread while the child logs 4 MB, far past the pipe's buffer.
  const log = fileURLToPath(new URL('../dist/log.js', import.meta.url));
  const LINES = 20_000;
  const script = `const { createLogger } = await import(${JSON.stringify(log)});
    const logger = createLogger('info');
    for (let i = 0; i < ${LINES}; i++) logger.info({ station: 'station-' + i, raw: 'x'.repeat(180) }, 'now playing');
    process.stderr.write('logged\\n');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    child.stdout.pause();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('logged'), { what: () => `the child to finish logging with its stdout unread (stderr: ${stderr})`, timeoutMs: 20_000, everyMs: 20 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout.resume();
    expect(await closed).toBe(0);
    expect(out.split('\n').filter(Boolean)).toHaveLength(LINES);
  } finally {
    child.kill('SIGKILL');
  }
});
