#!/usr/bin/env node
// The `onair` binary: runs the TypeScript sources directly through tsx, so no build step follows an install.
import { register } from 'tsx/esm/api';

register();
// `onair list | head`: a reader that hangs up early is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
