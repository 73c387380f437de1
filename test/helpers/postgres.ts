// A private PostgreSQL cluster for a test file: Debian's `postgresql` binaries, `initdb` into a temp dir (as the
// `postgres` user when running as root: initdb refuses root), a random port on 127.0.0.1, its socket in the
// temp dir, trust auth for the loopback only. stop() stops the server and removes everything.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freePort } from './free-port.ts';

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  /** A URL of a new, empty database in this cluster. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown), as a restart test needs; start() brings it back on the same port. */
  stopServer(): void;
  start(): void;
  stop(): Promise<void>;
}

/** The directory of Debian's PostgreSQL binaries (the newest version installed), or null. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** True where the tests can run a cluster; CI must have one (its .ci/run installs postgresql). */
export const HAVE_POSTGRES = postgresBin() !== null;
if (!HAVE_POSTGRES && process.env.CI) throw new Error('CI=true but PostgreSQL is not installed (apt-get install postgresql)');

/** Runs a PostgreSQL program as the `postgres` user when we are root, else as ourselves. */
function run(bin: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin.split('/').pop()} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

let databases = 0;

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'onair-pg-'));
  if (process.getuid?.() === 0) {
    const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const start = () =>
    run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const stopServer = () => run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  let running = true;
  return {
    url,
    port,
    async createDatabase() {
      const name = `onair_test_${process.pid}_${++databases}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stopServer() {
      stopServer();
      running = false;
    },
    start() {
      start();
      running = true;
    },
    async stop() {
      await admin.end({ timeout: 1 });
      if (running) stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
