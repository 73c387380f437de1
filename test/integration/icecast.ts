// A real Icecast server for the integration test: Debian's icecast2 started on 127.0.0.1 with its own
// config in a temp dir, fed by ffmpeg (a sine wave, encoded to MP3 or Ogg Vorbis, sent as a source
// client), titles set through /admin/metadata. Everything it starts is stopped by stop().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.ts';
import { freePort } from '../helpers/free-port.ts';

export const ADMIN = { user: 'admin', password: 'adm1n-pw' };
const SOURCE_PASSWORD = 'source-pw';

/** The first of these programs found on PATH (or at the given absolute path), else null. */
export function findProgram(...names: string[]): string | null {
  for (const name of names) {
    if (name.startsWith('/')) {
      if (existsSync(name)) return name;
      continue;
    }
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return null;
}

export interface MountSpec {
  path: string;
  codec: 'mp3' | 'vorbis';
  /** Declares `<charset>UTF-8</charset>` for the mount; without it Icecast takes ICY updates for Latin-1. */
  utf8: boolean;
  /** Vorbis: the TITLE the encoder starts with (Icecast cannot set Ogg metadata before a source is up). */
  initialTitle?: string;
}

export interface Icecast {
  readonly port: number;
  readonly origin: string;
  /** `http://admin:pw@127.0.0.1:port` for /admin/stats. */
  readonly adminOrigin: string;
  /** Sets the title of a mount through /admin/metadata (mode=updinfo, song=…), with or without charset=UTF-8. */
  setSong(mount: string, song: string, opts?: { charset?: 'UTF-8' }): Promise<void>;
  /** The mount's title as /status-json.xsl shows it now (null while absent). */
  statusTitle(mount: string): Promise<string | null>;
  /** The last lines of Icecast's error log, for failure messages. */
  errorLog(): string;
  stop(): Promise<void>;
}

/** uid/gid of an unprivileged account for Icecast's <changeowner> (it refuses to run as root). */
function unprivileged(): { user: string; group: string; uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  const groups = readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':'));
  const user = passwd.find((f) => f[0] === 'nobody');
  if (!user) throw new Error('no "nobody" user for Icecast to run as');
  const gid = Number(user[3]);
  const group = groups.find((f) => f[0] === 'nogroup') ?? groups.find((f) => Number(f[2]) === gid);
  if (!group) throw new Error('no group for "nobody"');
  return { user: 'nobody', group: group[0]!, uid: Number(user[2]), gid: Number(group[2]) };
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function config(port: number, dir: string, mounts: MountSpec[], owner: ReturnType<typeof unprivileged> | null): string {
  const mountSections = mounts
    .filter((m) => m.utf8)
    .map((m) => `  <mount type="normal"><mount-name>${xmlText(m.path)}</mount-name><charset>UTF-8</charset></mount>`)
    .join('\n');
  return `<icecast>
  <location>onair integration test</location>
  <admin>nobody@localhost</admin>
  <hostname>localhost</hostname>
  <limits><clients>200</clients><sources>${mounts.length + 2}</sources><burst-size>65535</burst-size><source-timeout>10</source-timeout><header-timeout>5</header-timeout></limits>
  <authentication>
    <source-password>${SOURCE_PASSWORD}</source-password>
    <relay-password>unused-relay-pw</relay-password>
    <admin-user>${ADMIN.user}</admin-user>
    <admin-password>${ADMIN.password}</admin-password>
  </authentication>
  <listen-socket><port>${port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
${mountSections}
  <fileserve>1</fileserve>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>${join(dir, 'log')}</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot>
  </paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>${owner ? `<changeowner><user>${owner.user}</user><group>${owner.group}</group></changeowner>` : ''}</security>
</icecast>
`;
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startIcecast(icecastBin: string, ffmpegBin: string, mounts: MountSpec[]): Promise<Icecast> {
  const dir = mkdtempSync(join(tmpdir(), 'onair-icecast-'));
  const children: ChildProcess[] = [];
  const owner = process.getuid?.() === 0 ? unprivileged() : null;
  // Icecast opens its logs after dropping to the unprivileged user: the dirs must let that user in.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'log'));
  if (owner) chownSync(join(dir, 'log'), owner.uid, owner.gid);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'icecast.xml'), config(port, dir, mounts, owner));
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'log', 'error.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no error log)';
    }
  };
  const stop = async () => {
    await Promise.all(children.map(kill));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    let output = '';
    const server = spawn(icecastBin, ['-c', join(dir, 'icecast.xml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    children.push(server);
    await waitFor(async () => (await fetchText(`${origin}/status-json.xsl`)) !== null, {
      what: () => `icecast to answer on ${origin}: ${output}\n${errorLog()}`,
      timeoutMs: 30_000,
      everyMs: 100,
    });

    const authorization = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;
    // Icecast writes broken JSON now and then (a lost `{` just after start, xiph/Icecast-Server#38): retried.
    const status = async (): Promise<{ icestats?: { source?: unknown } }> => {
      try {
        return JSON.parse((await fetchText(`${origin}/status-json.xsl`)) ?? '{}') as { icestats?: { source?: unknown } };
      } catch {
        return {};
      }
    };
    const sources = async () => {
      const s = (await status()).icestats?.source;
      return (Array.isArray(s) ? s : s ? [s] : []) as Record<string, unknown>[];
    };
    const byMount = async (mount: string) => (await sources()).find((s) => new URL(String(s.listenurl)).pathname === mount);

    for (const m of mounts) {
      const codec =
        m.codec === 'mp3'
          ? ['-c:a', 'libmp3lame', '-b:a', '128k', '-content_type', 'audio/mpeg', '-f', 'mp3']
          : ['-c:a', 'libvorbis', '-b:a', '64k', '-content_type', 'application/ogg', ...(m.initialTitle ? ['-metadata', `TITLE=${m.initialTitle}`] : []), '-f', 'ogg'];
      const source = spawn(
        ffmpegBin,
        ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', ...codec, `icecast://source:${SOURCE_PASSWORD}@127.0.0.1:${port}${m.path}`],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      source.stderr!.on('data', (d) => (err += d));
      children.push(source);
      await waitFor(async () => (await byMount(m.path)) !== undefined, { what: () => `ffmpeg to bring up ${m.path}: ${err}\n${errorLog()}`, timeoutMs: 30_000, everyMs: 100 });
    }

    return {
      port,
      origin,
      adminOrigin: `http://${ADMIN.user}:${ADMIN.password}@127.0.0.1:${port}`,
      async setSong(mount, song, opts = {}) {
        const q = new URLSearchParams({ mount, mode: 'updinfo', song, ...(opts.charset ? { charset: opts.charset } : {}) });
        const res = await fetch(`${origin}/admin/metadata?${q}`, { headers: { authorization } });
        const text = await res.text();
        if (!res.ok || !text.includes('Metadata update successful')) throw new Error(`updinfo on ${mount} failed: ${res.status} ${text}`);
      },
      async statusTitle(mount) {
        const s = await byMount(mount);
        return typeof s?.title === 'string' ? s.title : null;
      },
      errorLog,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function fetchText(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}
