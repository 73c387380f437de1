// What the farm served, for scoring: per client phase ("onair", "fetch-loop", …) and station, the newest
// title index sent so far, and a log line each time a newer one goes out. The bench sets the phase before
// it starts each client, so one farm serves every client of a run, one after another.
import { createWriteStream, type WriteStream } from 'node:fs';

/** Bytes and requests one phase cost the farm. */
export interface PhaseCounters {
  /** Connections accepted on feed ports. */
  feedConnections: number;
  /** Connections closed at once because the farm held as many as its file limit allows. */
  refusedConnections: number;
  /** Feed requests (every answer: documents, 304s, errors, faults). */
  feedRequests: number;
  notModified: number;
  feedBytes: number;
  /** Stream connections opened, open now, and bytes written to them (heads, audio, metadata). */
  streamConnections: number;
  streamsOpen: number;
  streamBytes: number;
  /** Bytes sent by misbehaving stations (not a cost of reading good ones). */
  faultBytes: number;
  /** ICY blocks / Ogg comment headers that carried a title. */
  titleBlocks: number;
  /** Writes skipped because a listener did not read (its socket buffer was full). */
  skippedWrites: number;
}

const emptyCounters = (): PhaseCounters => ({
  feedConnections: 0, refusedConnections: 0, feedRequests: 0, notModified: 0, feedBytes: 0, streamConnections: 0, streamsOpen: 0, streamBytes: 0, faultBytes: 0, titleBlocks: 0, skippedWrites: 0,
});

export class ServedLog {
  private readonly names: string[] = [];
  private readonly last: Int32Array[] = [];
  readonly counters: PhaseCounters[] = [];
  private out: WriteStream | undefined;
  /** The phase traffic is attributed to now. */
  phase = 0;

  constructor(
    private readonly stations: number,
    file?: string,
  ) {
    if (file) {
      this.out = createWriteStream(file);
      this.out.write('phase,station,k,at\n');
    }
    this.setPhase('idle');
  }

  /** Attributes all traffic from now on to `name`; returns its index. */
  setPhase(name: string): number {
    let i = this.names.indexOf(name);
    if (i < 0) {
      i = this.names.push(name) - 1;
      this.last.push(new Int32Array(this.stations).fill(-1));
      this.counters.push(emptyCounters());
    }
    this.phase = i;
    return i;
  }

  get current(): PhaseCounters {
    return this.counters[this.phase]!;
  }

  phaseNames(): string[] {
    return [...this.names];
  }

  /** Title k of a station went out at `at` to the client of `phase` (a stream may outlive its phase). */
  servedTo(phase: number, station: number, k: number, at: number): void {
    const last = this.last[phase]!;
    if (k <= last[station]!) return;
    last[station] = k;
    this.out?.write(`${this.names[phase]},${station},${k},${at}\n`);
  }

  async close(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    if (out) await new Promise<void>((resolve) => out.end(resolve));
  }
}

export interface ServedEntry {
  phase: string;
  station: number;
  k: number;
  at: number;
}

/** Parses a served log: the first time each title reached each phase's client. */
export function parseServedLog(text: string): ServedEntry[] {
  const out: ServedEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line) continue;
    const [phase, station, k, at] = line.split(',');
    out.push({ phase: phase!, station: Number(station), k: Number(k), at: Number(at) });
  }
  return out;
}
