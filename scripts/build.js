#!/usr/bin/env node
// Builds src/ to plain JavaScript in dist/, one file per source file (the same layout, so paths taken from
// import.meta.url, like src/api/page.ts's page/ directory, resolve the same), and copies the page assets.
// Transpiles only: `npm run typecheck` is the type check. Run by `npm install` (prepare), `npm start`, and
// vitest's global setup, so the binary the tests spawn is built from the sources they test.
//
// esbuild, not tsc: 0.15–0.2 s for all of src/ against 3–5 s for tsc --noCheck (4–8 s type-checking, 260 MB)
// on this 2-core machine, cheap enough to run before every test run; and it is the transform tsx has
// always run the binary through. Relative `./x.ts` imports become `./x.js` (what tsc's
// rewriteRelativeImportExtensions does); packages stay imports.
//
// Writes only files whose content changed, each through a temporary file and a rename, so a test run or an
// `onair run` started from dist/ while another build runs never reads a half-written module.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
/** Files under src/api/page/ that the server does not serve (the README's picture). */
const NOT_SHIPPED = new Set(['screenshot.png']);
const PAGE = join('api', 'page') + sep;

/** Every file under dir, relative to it. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Writes content to file unless it already holds exactly that; atomically (temporary file, then rename). */
function writeIfChanged(file, content) {
  try {
    if (readFileSync(file).equals(content)) return;
  } catch {
    // missing: written below
  }
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export async function buildDist() {
  const sources = filesUnder(SRC);
  const entries = sources.filter((f) => f.endsWith('.ts') && !f.startsWith(PAGE));
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: entries.map((f) => join(SRC, f)),
    outbase: SRC,
    outdir: DIST,
    write: false,
    // bundle, only so that the plugin below sees every import; each one is left an import.
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'keep-relative-imports',
        setup(b) {
          b.onResolve({ filter: /^\.\.?\// }, (args) =>
            args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true },
          );
        },
      },
    ],
  });
  const wanted = new Set();
  for (const out of result.outputFiles) {
    wanted.add(out.path);
    writeIfChanged(out.path, Buffer.from(out.contents));
  }
  for (const f of sources.filter((f) => f.startsWith(PAGE) && !NOT_SHIPPED.has(f.slice(PAGE.length)))) {
    const to = join(DIST, f);
    wanted.add(to);
    writeIfChanged(to, readFileSync(join(SRC, f)));
  }
  // A source removed or renamed leaves no module behind.
  for (const f of filesUnder(DIST)) if (!wanted.has(join(DIST, f))) rmSync(join(DIST, f));
  chmodSync(join(DIST, 'onair.js'), 0o755);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDist();
