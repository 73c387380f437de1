#!/usr/bin/env node
// The `onair` binary: runs the TypeScript sources directly through tsx, so no build step follows an install.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
