// The log keeps up with a crawler that logs faster than its event loop turns: every line is in the file when
// the call that logged it returns, so a burst logged between two turns of a busy loop (thousands of polls
// settling at once) neither waits for the loop nor piles up in memory. pino's default destination wrote
// 16 KiB per turn, and a busy crawler's log fell minutes behind.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createLogger, logDestination } from '../src/log.ts';
import { tempDir } from './helpers/crawl.ts';

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
