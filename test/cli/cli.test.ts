// The real binary, spawned as a user runs it: every command, its help, its exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFeedFarm, type FeedFarm } from '../farm/feed-farm.ts';
import { onair, startOnair } from '../helpers/onair-bin.ts';
import { tempDir } from '../helpers/crawl.ts';

describe('onair CLI', () => {
  let farm: FeedFarm;
  const tmp = tempDir('onair-cli-');
  const dir = tmp.dir;
  const stations = join(dir, 'stations.json');

  beforeAll(async () => {
    farm = await startFeedFarm({ stations: 14, mountsPerServer: 2 });
    for (const s of farm.stations) farm.setSong(s.id, { artist: 'Boards of Canada', title: `Roygbiv ${s.id}` });
  });
  afterAll(async () => {
    await farm.close();
    tmp.cleanup();
  });

  it.each(['run', 'add', 'remove', 'list', 'now', 'export'])('prints usage for "%s --help" and exits 0', async (cmd) => {
    const r = await onair([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: onair ${cmd}`);
  });

  it('rejects an unknown command and an unknown option with exit code 2', async () => {
    expect((await onair(['frobnicate'])).code).toBe(2);
    const r = await onair(['list', '--colour'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--colour');
  });

  it('adds stations of each kind, refuses duplicates and bad URLs with exit code 2, lists and removes them', async () => {
    const icecast = farm.stations.find((s) => s.kind === 'icecast-json')!;
    const ice = farm.stationEntry(icecast).feed as { url: string };
    let r = await onair(['add', ice.url, '--id', 'ice', '--name', 'Ice', '--format', 'icecast-json', '--mount', '/m1', '--stations', stations]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    r = await onair(['add', 'http://127.0.0.1:9/stream.mp3', '--id', 'radio1', '--format', 'icy', '--stations', stations]);
    expect(r.code).toBe(0);
    r = await onair(['add', ice.url, '--id', 'ice', '--format', 'icecast-json', '--mount', '/m1', '--stations', stations]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already in .*stations\.json/);
    r = await onair(['add', 'ftp://example.org/x', '--id', 'ftp', '--format', 'icy', '--stations', stations]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not an http:// or https:// URL');

    const file = JSON.parse(readFileSync(stations, 'utf8'));
    expect(file.stations).toEqual([
      { id: 'ice', name: 'Ice', feed: { url: ice.url, format: 'icecast-json', mount: '/m1' } },
      { id: 'radio1', stream: { url: 'http://127.0.0.1:9/stream.mp3', mode: 'snapshot' } },
    ]);
    expect(statSync(stations).mode & 0o777).toBe(0o600);

    r = await onair(['list', '--stations', stations]);
    expect(r.stdout).toMatch(/^ice\ticecast-json\t/m);
    expect(r.stdout).toMatch(/^radio1\ticy\t/m);
    expect((await onair(['remove', 'radio1', '--stations', stations])).code).toBe(0);
    expect((await onair(['remove', 'radio1', '--stations', stations])).code).toBe(1);
    r = await onair(['list', '--json', '--stations', stations]);
    expect(JSON.parse(r.stdout).map((s: { id: string }) => s.id)).toEqual(['ice']);
  });

  it('detects the format of a feed when --format is left out, or says what it needs', async () => {
    const file = join(dir, 'detect.json');
    const url = (kind: string) => (farm.stationEntry(farm.stations.find((s) => s.kind === kind)!).feed as { url: string }).url;
    let r = await onair(['add', url('shoutcast-v1'), '--id', 'sc1', '--stations', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('detected format: shoutcast-v1');
    r = await onair(['add', url('shoutcast-v2'), '--id', 'sc2', '--stations', file]);
    expect(r.stderr).toContain('detected format: shoutcast-v2');
    r = await onair(['add', url('icecast-json'), '--id', 'ice', '--stations', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give --mount, one of: /m1, /m2');
    r = await onair(['add', url('somafm-xml'), '--id', 'soma', '--stations', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give --title PATH');
    r = await onair(['add', url('somafm-xml'), '--id', 'soma', '--title', 'songs.song[0].title', '--artist', 'songs.song[0].artist', '--stations', file]);
    expect(r.code).toBe(0);
    r = await onair(['add', 'http://127.0.0.1:9/nothing', '--id', 'down', '--stations', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot fetch');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.stations.map((s: { feed: { format: string } }) => s.feed.format)).toEqual(['shoutcast-v1', 'shoutcast-v2', 'xml']);
  });

  it.each([
    [['run', '--per-host', '1.5'], '--per-host must be an integer >= 1, got 1.5'],
    [['run', '--concurrency', '0'], '--concurrency must be an integer >= 1, got 0'],
    [['run', '--interval', 'ten'], '--interval must be a number, got "ten"'],
    [['run', '--interval', '100000'], '--interval must be a number from 1 to 86400, got 100000'],
    [['run', '--stats-every', '0'], '--stats-every must be a number from 0.1 to 86400, got 0'],
    [['run', '--log-level', 'loud'], '--log-level must be one of fatal, error, warn, info, debug, trace, silent'],
    [['add', 'http://127.0.0.1:9/x.json', '--format', 'json', '--title', 'a['], 'field "feed.title": invalid path "a["'],
    [['add', 'http://127.0.0.1:9/x.xml', '--format', 'xml', '--title', 'a', '--artist', 'b[=x]'], 'field "feed.artist": invalid selector "[=x]"'],
    [['add', 'http://127.0.0.1:9/x', '--format', 'icy', '--mode', 'forever'], '--mode must be one of live, snapshot'],
    [['add', 'http://127.0.0.1:9/x', '--format', 'icy', '--interval', '0.5'], '--interval must be a number from 1 to 86400, got 0.5'],
  ])('checks every option of %j before anything starts, with exit code 2', async (args, message) => {
    const file = join(dir, 'options-check.json');
    writeFileSync(file, JSON.stringify({ stations: [] }));
    const r = await onair([...args, '--stations', file, ...(args[0] === 'run' ? ['--db', join(dir, 'never', 'onair.db')] : [])], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    // Nothing started: no log line on stdout, no database, and the stations file is as it was.
    expect(r.stdout).not.toContain('crawler started');
    expect(() => statSync(join(dir, 'never'))).toThrow();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ stations: [] });
  });

  it('refuses an invalid stations.json naming the file, the station and the field', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ stations: [{ id: 'ok', feed: { url: 'http://x/', format: 'shoutcast-v1' } }, { id: 'broken', feed: { url: 'http://x/', format: 'icecast-json', mount: '/a', colour: 'red' } }] }));
    const r = await onair(['run', '--stations', bad, '--db', join(dir, 'bad.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: station "broken": field "feed.colour": unknown key "colour"`);
  });

  it('runs until SIGTERM, picks up an added station without a restart, then shows and exports what it recorded', async () => {
    const runDir = join(dir, 'run');
    mkdirSync(runDir);
    const file = join(runDir, 'stations.json');
    const [first, second] = farm.stations;
    writeFileSync(file, JSON.stringify({ stations: [farm.stationEntry(first!)] }));
    const proc = startOnair(['run', '--interval', '1'], { cwd: runDir });
    await proc.waitFor((l) => l.msg === 'now playing' && l.station === first!.id);

    const added = farm.stationEntry(second!) as { id: string; feed: { url: string; format: string; mount?: string } };
    const r = await onair(['add', added.feed.url, '--id', added.id, '--format', added.feed.format, ...(added.feed.mount ? ['--mount', added.feed.mount] : [])], { cwd: runDir });
    expect(r.code).toBe(0);
    await proc.waitFor((l) => l.msg === 'now playing' && l.station === second!.id);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.lines.some((l) => l.msg === 'stopped')).toBe(true);

    const now = await onair(['now'], { cwd: runDir });
    expect(now.code).toBe(0);
    expect(now.stdout).toContain(`${first!.id}\tBoards of Canada - Roygbiv ${first!.id}`);
    const exported = await onair(['export', '--station', second!.id], { cwd: runDir });
    expect(exported.code).toBe(0);
    const plays = JSON.parse(exported.stdout);
    expect(plays).toEqual([
      expect.objectContaining({ station: second!.id, artist: 'Boards of Canada', title: `Roygbiv ${second!.id}`, endedAt: null, source: 'feed' }),
    ]);
    const out = join(runDir, 'all.json');
    expect((await onair(['export', '--out', out, '--since', '2000-01-01'], { cwd: runDir })).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toHaveLength(2);
    expect((await onair(['export', '--since', 'yesterday'], { cwd: runDir })).code).toBe(2);

    // A removed station leaves `now` (its history stays, and `now --all` still shows it).
    expect((await onair(['remove', second!.id], { cwd: runDir })).code).toBe(0);
    const after = await onair(['now'], { cwd: runDir });
    expect(after.stdout).toContain(`${first!.id}\t`);
    expect(after.stdout).not.toContain(`${second!.id}\t`);
    expect((await onair(['now', '--all'], { cwd: runDir })).stdout).toContain(`${second!.id}\tBoards of Canada - Roygbiv ${second!.id}`);
  });
});
