// The flow line of the README, enforced: a stage of src/ imports only from leaves, from itself and from
// stages before it. Reads every import in src/ (static, `export … from`, and dynamic `import('…')`).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Modules every stage may import; they import only each other. */
const LEAVES = ['types.ts', 'errors.ts', 'clock.ts', 'log.ts', 'abort.ts', 'url.ts', 'config.ts', 'codec/'];

/** The stages in the order data flows through them, then the parts that watch and drive them. */
export const STAGES = [
  'stations/',
  'scheduler/',
  'fetch/',
  'parse/',
  'detect/',
  'store/',
  // Which node polls which station: partitions and their leases.
  'cluster/',
  'pipeline/',
  'export/',
  'crawler/',
  // The API sees the crawler through crawler/view.ts; only the composition root knows the parts.
  'api/',
  // Several crawler processes of one machine, supervised.
  'workers/',
  'main.ts',
  'commands/',
  'cli.ts',
  'onair.ts',
];

/** Where a file of src/ sits: -1 for a leaf, else its stage's index; undefined for a file nobody listed. */
export function rankOf(path: string): number | undefined {
  if (LEAVES.some((l) => (l.endsWith('/') ? path.startsWith(l) : path === l))) return -1;
  const i = STAGES.findIndex((s) => (s.endsWith('/') ? path.startsWith(s) : path === s));
  return i < 0 ? undefined : i;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(e.name) && !full.includes(`${join('api', 'page')}`) ? [full] : [];
  });
}

const SPECIFIER = /(?:^|[^\w.])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** Every edge `from → to` between files of src/, as paths relative to src/. */
export function importEdges(files: string[] = sourceFiles(SRC)): { from: string; to: string }[] {
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(SPECIFIER)]
      .map((m) => m[1] ?? m[2] ?? m[3]!)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({ from: relative(SRC, file), to: relative(SRC, resolve(dirname(file), spec)) }));
  });
}

/** The edges that point against the flow: a leaf importing a stage, or a stage importing a later one. */
export function backwardEdges(edges: { from: string; to: string }[]): string[] {
  return edges
    .filter(({ from, to }) => {
      const a = rankOf(from)!;
      const b = rankOf(to)!;
      return a === -1 ? b !== -1 : b > a;
    })
    .map(({ from, to }) => `${from} imports ${to}`);
}

/** The parts of a running crawler the API must not reach into (it gets crawler/view.ts). */
const CRAWLER_INTERNALS = ['scheduler/', 'fetch/', 'parse/', 'detect/', 'pipeline/', 'crawler/'];

/** Edges from api/ into the crawler's parts, other than its view. */
export function apiReachingIn(edges: { from: string; to: string }[]): string[] {
  return edges
    .filter(({ from, to }) => from.startsWith('api/') && to !== 'crawler/view.ts' && CRAWLER_INTERNALS.some((p) => to.startsWith(p)))
    .map(({ from, to }) => `${from} imports ${to}`);
}

describe('the layers of src/', () => {
  const edges = importEdges();

  it('finds the imports it checks (the walk itself works)', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges).toContainEqual({ from: 'main.ts', to: 'scheduler/scheduler.ts' });
    expect(edges.some((e) => e.from === 'cli.ts' && e.to.startsWith('commands/'))).toBe(true);
  });

  it('places every file of src/ in a leaf or a stage', () => {
    const unplaced = [...new Set(edges.flatMap((e) => [e.from, e.to]))].filter((p) => rankOf(p) === undefined);
    expect(unplaced).toEqual([]);
  });

  it('has no stage importing a later one and no leaf importing a stage', () => {
    expect(backwardEdges(edges)).toEqual([]);
  });

  it('lets the API see the crawler only through its view: no scheduler, fetch, parse, pipeline or crawler internals', () => {
    expect(apiReachingIn(edges)).toEqual([]);
    expect(apiReachingIn([{ from: 'api/routes.ts', to: 'scheduler/scheduler.ts' }, { from: 'api/metrics.ts', to: 'crawler/view.ts' }])).toEqual([
      'api/routes.ts imports scheduler/scheduler.ts',
    ]);
  });

  it('catches an import against the flow (the check can fail)', () => {
    expect(backwardEdges([{ from: 'fetch/stream/connection.ts', to: 'parse/playlist.ts' }])).toEqual([
      'fetch/stream/connection.ts imports parse/playlist.ts',
    ]);
    expect(backwardEdges([{ from: 'types.ts', to: 'stations/schema.ts' }])).toHaveLength(1);
    expect(backwardEdges([{ from: 'commands/run.ts', to: 'cli.ts' }])).toHaveLength(1);
    expect(backwardEdges([{ from: 'api/routes.ts', to: 'main.ts' }])).toHaveLength(1);
  });
});
