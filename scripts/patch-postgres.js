#!/usr/bin/env node
// Fixes two faults of postgres.js 3.4.9 (the newest release) that onair's failover tests hit, until a release
// carries the fix (porsager/postgres#1154, #1208; the guard of PR #1209):
//  - closed() cancels the write queued for the next tick but leaves it in place, so the next query on the
//    reconnected connection is never sent and waits forever (a node stopped past its lease hung at shutdown);
//  - a write queued just before the server closed the connection runs on a null socket and throws outside any
//    promise, killing the process (a node exited 1 after PostgreSQL ended its session).
// Run by `npm install` (postinstall). Idempotent; fails loudly if the code it patches is not what it expects.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MARK = '/* onair: patched */';
// The package's exports hide package.json: resolve its entry (cjs/src/index.js) and go up to the package.
const root = dirname(dirname(dirname(createRequire(import.meta.url).resolve('postgres'))));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const edits = [
  {
    // nextWrite: nothing to write to once the socket is gone; settle what waits instead of throwing.
    from: '  function nextWrite(fn) {\n',
    to: `  function nextWrite(fn) {\n    ${MARK} if (!socket) { chunk = nextWriteTimer = null; error(Errors.connection('CONNECTION_CLOSED', options)); return false }\n`,
  },
  {
    // closed(): forget the cancelled write, so the next one is scheduled again.
    from: '    clearImmediate(nextWriteTimer)\n    socket.removeListener(\'data\', data)\n',
    to: `    clearImmediate(nextWriteTimer)\n    ${MARK} chunk = nextWriteTimer = null\n    socket.removeListener('data', data)\n`,
  },
];

for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
  const path = join(root, file);
  let text = readFileSync(path, 'utf8');
  if (text.includes(MARK)) continue;
  for (const { from, to } of edits) {
    if (!text.includes(from)) throw new Error(`postgres ${version}: ${file} is not what scripts/patch-postgres.js expects; review the patch for this version`);
    text = text.replace(from, to);
  }
  writeFileSync(path, text);
  console.log(`patched postgres ${version} ${file} (closed-socket writes)`);
}
