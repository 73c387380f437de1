// `npx tsx test/bench/profile-top.ts FILE.cpuprofile… [--top N]` — the top frames of `node --cpu-prof`
// profiles (what `npm run bench -- --profile --keep` leaves in its directory's profile/, one file per thread,
// summed): self time by function and file as a share of the samples that were not idle, then the same
// grouped by package or source folder.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals: files } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
if (!files.length) {
  console.error('usage: profile-top.ts FILE.cpuprofile… [--top N]');
  process.exit(2);
}
const frames = new Map<string, number>();
const groups = new Map<string, number>();
let busy = 0;
let idle = 0;
for (const file of files) {
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)' || functionName === '(program)') {
    idle += functionName === '(idle)' ? us : 0;
    if (functionName === '(idle)') continue;
  }
  busy += us;
  const where = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(src|dist|test)\//, '$1/');
  const key = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
  frames.set(key, (frames.get(key) ?? 0) + us);
  const group = !url ? functionName : url.startsWith('node:') ? `node:${url.slice(5).split('/')[0]}` : url.includes('/node_modules/') ? url.replace(/^.*\/node_modules\//, '').split('/')[0]! : where.split('/').slice(0, 2).join('/');
  groups.set(group, (groups.get(group) ?? 0) + us);
}
}
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
process.stdout.on('error', () => process.exit(0));
console.log(`${files.join(', ')}: ${(busy / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle`);
console.log(`-- top frames (self time), ${frames.size} distinct`);
for (const [key, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`${pct(us)}  ${key}`);
console.log('-- by package / folder');
for (const [key, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(us)}  ${key}`);
