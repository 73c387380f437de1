// What `npm pack` ships, run as installed: the tarball unpacked into a clean node_modules beside only its
// declared dependencies, so a module left out of `files`, an import of a dev dependency (tsx) or a `.ts`
// specifier left in the build fails here. Offline: `npm pack` reads no registry, and the dependencies are
// links to the checkout's. A real `npm install -g` of the tarball resolves its dependencies from the
// registry, so it is a step of .ci/run (.ci/check-install), not a test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PAGE_FILES } from '../../src/api/page.ts';
import { tempDir } from '../helpers/crawl.ts';
import { onLogLines } from '../helpers/onair-bin.ts';
import { waitFor } from '../helpers/wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

interface PackedFile {
  path: string;
  mode: number;
}

describe('the npm package', () => {
  const tmp = tempDir('onair-package-');
  const app = join(tmp.dir, 'app');
  const installed = join(app, 'node_modules', 'onair');
  let files: PackedFile[];
  let bin: string;
  let feed: Server;
  let feedUrl: string;

  /** Runs the installed binary by its path, as the shell runs a bin link: through its #! line. */
  const onair = (args: string[]) => run(bin, args, { cwd: app, env: { ...process.env, NODE_OPTIONS: '' } });

  beforeAll(async () => {
    // `npm pack` runs `prepare` (the build) first, as it does before a publish.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp.dir], { cwd: ROOT });
    const [packed] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
    files = packed!.files;
    mkdirSync(installed, { recursive: true });
    await run('tar', ['-xzf', join(tmp.dir, packed!.filename), '-C', installed, '--strip-components=1']);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string>; dependencies: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies)) {
      mkdirSync(dirname(join(app, 'node_modules', dep)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep));
    }
    bin = join(installed, manifest.bin.onair!);

    feed = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ icestats: { source: [{ listenurl: 'http://127.0.0.1/m', title: 'Boards of Canada - Roygbiv' }] } }));
    });
    await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
    feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/status-json.xsl`;
  });
  afterAll(async () => {
    await new Promise((resolve) => feed?.close(resolve));
    tmp.cleanup();
  });

  it('ships the built JavaScript, the page it serves, the README, its install-time patch and nothing else', () => {
    const paths = files.map((f) => f.path);
    expect(paths.filter((p) => !p.startsWith('dist/')).sort()).toEqual(['README.md', 'package.json', 'scripts/patch-postgres.js']);
    expect(paths.filter((p) => p.endsWith('.ts'))).toEqual([]);
    expect(paths).toContain('dist/onair.js');
    for (const { file } of Object.values(PAGE_FILES)) expect(paths).toContain(`dist/api/page/${file}`);
    expect(paths).not.toContain('dist/api/page/screenshot.png');
    expect(files.find((f) => f.path === 'dist/onair.js')!.mode & 0o111).not.toBe(0);
  });

  it('prints its usage, adds and lists stations with no loader and no dev dependency installed', async () => {
    expect((await onair(['--help'])).stdout).toContain('Usage: onair <command> [options]');
    const stations = join(app, 'stations.json');
    writeFileSync(stations, JSON.stringify({ stations: [] }));
    const added = await onair(['add', feedUrl, '--id', 'one', '--format', 'icecast-json', '--mount', '/m', '--stations', stations]);
    expect(added.stderr).toBe('');
    const listed = await onair(['list', '--stations', stations]);
    expect(listed.stdout).toMatch(/^one\ticecast-json\t/m);
  });

  it('runs the crawler on its SQLite database and serves the page from the installed files', async () => {
    const stations = join(app, 'run.json');
    writeFileSync(stations, JSON.stringify({ defaults: { intervalSeconds: 1 }, stations: [{ id: 'one', feed: { url: feedUrl, format: 'icecast-json', mount: '/m' } }] }));
    const child = spawn(bin, ['run', '--stations', stations, '--db', join(app, 'data', 'onair.db'), '--http', '127.0.0.1:0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    onLogLines(child.stdout, (line, text) => void lines.push(line ?? { msg: text }));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitFor(() => lines.some((l) => l.msg === 'now playing') && lines.some((l) => l.msg === 'http api listening'), {
        what: () => `the installed onair to log "now playing" and "http api listening"; stderr: ${stderr}`,
      });
      const address = String(lines.find((l) => l.msg === 'http api listening')!.address);
      for (const [path, { type }] of Object.entries(PAGE_FILES)) {
        const res = await fetch(new URL(path, address));
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type')).toBe(type);
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
  });
});
