#!/usr/bin/env node
// The `onair` binary. Built to dist/onair.js by scripts/build.js (npm install runs it), which node runs
// with no loader; the tests and scripts run the TypeScript sources through tsx and vitest instead.
import { main } from './cli.ts';

// `onair list | head`: a reader that hangs up early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = await main(process.argv.slice(2));
