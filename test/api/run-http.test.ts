// `onair run --http`: the real binary serves the API beside the crawler and stops both on SIGINT.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/crawl.ts';
import { onair, startOnair } from '../helpers/onair-bin.ts';

describe('onair run --http', () => {
  const { dir, cleanup } = tempDir();
  writeFileSync(join(dir, 'stations.json'), JSON.stringify({ stations: [] }));
  afterAll(cleanup);

  it('logs the address it listens on, answers there, and stops cleanly on SIGINT', async () => {
    const proc = startOnair(['run', '--http', '127.0.0.1:0'], { cwd: dir });
    const line = await proc.waitFor((l) => l.msg === 'http api listening');
    expect(line.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${line.address as string}/healthz`);
    expect(res.status).toBe(200);
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  });

  it('refuses a malformed address with exit code 2 before starting anything', async () => {
    const { code, stderr } = await onair(['run', '--http', 'localhost'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--http must be \[HOST:\]PORT/);
  });
});
