// `npm run demo`: onair at work with no internet. Starts a small station farm on 127.0.0.1 (30 stations of
// every kind, a new song every few seconds, a few stations broken on purpose) and the real crawler
// (`onair run`) on a temporary stations.json and database, and prints each change as it is recorded.
// Ctrl-C stops both and removes the temporary files.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFarm } from '../farm/farm.ts';
import { onLogLines } from '../helpers/onair-bin.ts';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '30' },
    'change-every': { type: 'string', default: '8' },
    interval: { type: 'string', default: '2' },
    'bad-share': { type: 'string', default: '0.1' },
  },
});
const BIN = fileURLToPath(new URL('../../dist/onair.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'onair-demo-'));
const stationsFile = join(dir, 'stations.json');
const dbFile = join(dir, 'onair.db');

const farm = await startFarm({
  stations: Number(values.stations),
  scenario: 'mixed',
  changeEverySeconds: Number(values['change-every']),
  intervalSeconds: Number(values.interval),
  badShare: Number(values['bad-share']),
  hosts: 8,
});
writeFileSync(stationsFile, JSON.stringify(farm.stationsFile(), null, 1));
const kinds = new Map(farm.plan.map((p) => [p.id, p.type === 'feed' ? `${p.kind} feed` : `${p.kind} ${p.mode}`]));
const broken = farm.plan.filter((p) => p.fault).map((p) => `${p.id} (${p.fault})`);

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
console.log(bold('onair demo') + ` — ${farm.plan.length} stations on a local farm, a new song every ~${values['change-every']} s, polled every ${values.interval} s`);
console.log(dim(`stations: ${stationsFile}\ndatabase: ${dbFile}\nbroken on purpose: ${broken.join(', ') || 'none'}\nCtrl-C to stop.\n`));

const crawler = spawn(process.execPath, [BIN, 'run', '--stations', stationsFile, '--db', dbFile], {
  env: { ...process.env, LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const time = (ms: unknown) => new Date(Number(ms)).toTimeString().slice(0, 8);
onLogLines(crawler.stdout!, (line) => {
  if (!line) return;
  const station = String(line.station ?? '');
  const where = `${station.padEnd(26)} ${dim((kinds.get(station) ?? '').padEnd(29))}`;
  if (line.msg === 'now playing') console.log(`${time(line.time)}  ${where} ♪ ${line.raw}`);
  else if (line.msg === 'nothing playing') console.log(`${time(line.time)}  ${where} ${dim('(silence)')}`);
  else if (String(line.msg).includes('failed')) console.log(dim(`${time(line.time)}  ${where} ✗ ${line.code}: ${line.reason}`));
  else if (line.msg === 'crawler started') console.log(dim(`${time(line.time)}  crawler started with ${line.stations} stations`));
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(dim('\nstopping the crawler and the farm…'));
  // The terminal's Ctrl-C reaches the crawler too; SIGTERM covers a demo stopped otherwise, and onair
  // takes either signal (once) as the same clean stop.
  if (crawler.exitCode === null && crawler.signalCode === null) {
    const exited = new Promise((resolve) => crawler.once('close', resolve));
    crawler.kill('SIGTERM');
    await exited;
  }
  await farm.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(dim('stopped.'));
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
crawler.on('close', (code) => {
  if (!stopping) {
    console.error(`the crawler exited (${code}) on its own`);
    void stop();
  }
});
