// vitest's global setup: builds dist/ from the sources about to be tested (scripts/build.js, what
// `npm install` runs), so the `onair` the CLI tests spawn is the shipped binary and never a stale one.
// A build that fails stops the run here, with esbuild's message.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/build.js', import.meta.url));
  execFileSync(process.execPath, [script], { stdio: 'inherit' });
}
