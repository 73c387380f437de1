#!/usr/bin/env node
// Start-up time to the first poll, and idle RSS, of `onair run` with one station on a loopback server:
// `node scripts/measure-startup.js [BIN] [RUNS]` (BIN: the file node runs, dist/onair.js by default; RUNS: 5).
// The station's URL is picked so that its first poll falls at phase ~0 of its interval (firstDelay in
// src/scheduler/next-due.ts), and that phase is subtracted: what is left is node's start, loading the
// modules, opening the database and sending the first request. RSS is VmRSS from /proc/PID/status 10 s
// later (Linux only). Prints each run, then the medians.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
// The compiled build's (npm install builds dist/): this script runs without a loader.
import { hash32 } from '../dist/scheduler/next-due.js';

const bin = process.argv[2] ?? fileURLToPath(new URL('../dist/onair.js', import.meta.url));
const runs = Number(process.argv[3] ?? 5);
const INTERVAL_MS = 10_000;


const body = JSON.stringify({ icestats: { source: [{ listenurl: 'http://127.0.0.1/m', title: 'Boards of Canada - Roygbiv' }] } });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const startup = [];
const rss = [];
for (let r = 0; r < runs; r++) {
  let firstAt;
  const server = createServer((_req, res) => {
    firstAt ??= performance.now();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  let url;
  let phase;
  for (let k = 0; ; k++) {
    url = `http://127.0.0.1:${port}/status-json.xsl?k=${k}`;
    phase = (hash32(url) / 2 ** 32) * INTERVAL_MS;
    if (phase <= 1) break;
  }
  const dir = mkdtempSync(join(tmpdir(), 'onair-startup-'));
  const stations = join(dir, 'stations.json');
  writeFileSync(stations, JSON.stringify({ defaults: { intervalSeconds: INTERVAL_MS / 1000 }, stations: [{ id: 'one', feed: { url, format: 'icecast-json', mount: '/m' } }] }));
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'run', '--stations', stations, '--db', join(dir, 'onair.db')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.on('close', resolve));
  while (firstAt === undefined) {
    if (child.exitCode !== null) throw new Error(`${bin} exited (${child.exitCode}) before its first poll`);
    await sleep(1);
  }
  startup.push(firstAt - t0 - phase);
  await sleep(10_000);
  rss.push(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024);
  child.kill('SIGTERM');
  await exited;
  server.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`run ${r + 1}: first poll after ${startup.at(-1).toFixed(0)} ms, RSS after 10 s idle ${rss.at(-1).toFixed(1)} MB`);
}
console.log(`${bin}: median start-up to first poll ${median(startup).toFixed(0)} ms, median idle RSS ${median(rss).toFixed(1)} MB (${runs} runs)`);
