// `npm run farm -- --stations N [--scenario S] [--port P] [--out FILE] [--change-every S] [--bad-share F]`
// Starts the station farm in the foreground, writes the stations.json that reads it (and a manifest next to
// it, from which a crawl is scored), prints one JSON line with where everything is, and runs until stopped.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFarm } from './farm.ts';
import { SCENARIOS, type Scenario } from './plan.ts';

const USAGE = `npm run farm -- --stations N [--scenario ${SCENARIOS.join('|')}] [--port P] [--out FILE (default: <tmp>/onair-farm/stations.json)]
  [--manifest farm-manifest.json] [--log served.csv] [--change-every S] [--interval S] [--bad-share 0.05]
  [--hosts 200] [--seed 1] [--bitrate 128]`;

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '1000' },
    scenario: { type: 'string', default: 'mixed' },
    port: { type: 'string' },
    out: { type: 'string', default: join(tmpdir(), 'onair-farm', 'stations.json') },
    manifest: { type: 'string' },
    log: { type: 'string' },
    'change-every': { type: 'string', default: '30' },
    interval: { type: 'string', default: '10' },
    'bad-share': { type: 'string', default: '0.05' },
    hosts: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    bitrate: { type: 'string', default: '128' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const num = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`farm: --${name} must be a number\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const scenario = values.scenario as Scenario;
if (!SCENARIOS.includes(scenario)) {
  console.error(`farm: unknown scenario "${scenario}"\n${USAGE}`);
  process.exit(2);
}

const out = resolve(values.out!);
mkdirSync(dirname(out), { recursive: true });
const manifestFile = resolve(values.manifest ?? out.replace(/\.json$/, '') + '.manifest.json');
const farm = await startFarm({
  stations: num('stations'),
  scenario,
  port: values.port === undefined ? undefined : num('port'),
  changeEverySeconds: num('change-every'),
  intervalSeconds: num('interval'),
  badShare: num('bad-share'),
  hosts: num('hosts'),
  seed: num('seed'),
  bitrateKbps: num('bitrate'),
  logFile: values.log && resolve(values.log),
});
writeFileSync(out, JSON.stringify(farm.stationsFile(), null, 1));
writeFileSync(manifestFile, JSON.stringify(farm.manifest()));
const feeds = farm.plan.filter((p) => p.type === 'feed').length;
const bad = farm.plan.filter((p) => p.fault).length;
console.log(JSON.stringify({
  ready: true, stations: farm.plan.length, feeds, streams: farm.plan.length - feeds, misbehaving: bad,
  control: farm.control, feedPort: farm.feedPort, streamPort: farm.streamPort, stationsFile: out, manifest: manifestFile,
}));

let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await farm.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
