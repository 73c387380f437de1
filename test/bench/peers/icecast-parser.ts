// The peer for streams: icecast-parser used its own way, one Parser per station. `--mode default`
// reconnects every interval and takes the first metadata block (its metadataInterval); `--mode keep`
// (keepListen) holds the connection and reports every block, draining the audio so it does not stall.
// Starts are spread over the interval. Changes go to an NDJSON file; `stats` lines to stdout.
import { createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Parser } from 'icecast-parser';
import { rssMb } from './rss.ts';

const { values } = parseArgs({
  options: { stations: { type: 'string' }, out: { type: 'string' }, mode: { type: 'string', default: 'default' }, 'stats-every': { type: 'string', default: '5' } },
});
const keepListen = values.mode === 'keep';
const file = JSON.parse(readFileSync(values.stations!, 'utf8')) as { defaults: { intervalSeconds: number }; stations: { id: string; stream?: { url: string } }[] };
const intervalMs = file.defaults.intervalSeconds * 1000;
const out = createWriteStream(values.out!);
const counters = { polls: 0, reads: 0, changes: 0, errors: 0, empty: 0, bytes: 0 };
const last = new Map<string, string>();
const parsers: Parser[] = [];

/** Polls: held connections in keepListen mode; else requests, each ending in metadata, an error or 'empty'. */
function watch(id: string, url: string): void {
  if (keepListen) counters.polls++;
  const parser = new Parser({ url, keepListen, metadataInterval: intervalMs / 1000, userAgent: `peer-icecast-parser-${values.mode}` });
  parsers.push(parser);
  parser.on('metadata', (metadata: Map<string, string>) => {
    counters.reads++;
    if (!keepListen) counters.polls++;
    const title = (metadata.get('StreamTitle') ?? '').trim();
    if (title === (last.get(id) ?? '')) return;
    last.set(id, title);
    if (!title) return;
    counters.changes++;
    out.write(`${JSON.stringify({ station: id, raw: title, at: Date.now() })}\n`);
  });
  parser.on('stream', (audio: NodeJS.ReadableStream) => {
    // keepListen stalls unless someone reads the audio it passes through.
    if (keepListen) audio.on('data', (chunk: Buffer) => (counters.bytes += chunk.length));
  });
  parser.on('error', () => {
    counters.errors++;
    if (!keepListen) counters.polls++;
  });
  parser.on('empty', () => {
    counters.empty++;
    if (!keepListen) counters.polls++;
  });
}

let stations = 0;
for (const s of file.stations) {
  if (!s.stream) continue;
  stations++;
  const { url } = s.stream;
  setTimeout(() => watch(s.id, url), Math.random() * intervalMs);
}

const stats = () => {
  const cpu = process.cpuUsage();
  return { msg: 'stats', time: Date.now(), stations, polled: keepListen ? 0 : stations, live: keepListen ? stations : 0, ...counters, cpuUs: cpu.user + cpu.system, rssMb: rssMb() };
};
console.log(JSON.stringify({ msg: 'crawler started', time: Date.now(), stations }));
setInterval(() => console.log(JSON.stringify(stats())), Number(values['stats-every']) * 1000);
// icecast-parser has no stop method: exit once the changes are on disk.
const stop = () => out.end(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
