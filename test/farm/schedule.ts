// The farm's title model: what every station plays at every instant, a pure function of (seed, station,
// time), so a crawl can be scored after the fact by anyone holding the same parameters. No clock, no I/O.
//
// Each station plays titles back to back. Title k of station s lasts between 0.75 and 1.25 × changeEvery
// (a cycle of eight durations drawn from the seed, repeated), and the stations are phase-shifted so their
// changes spread evenly over time. Every eleventh title is silence (nothing on air), a state of its own.
import { hash32 } from '../../src/scheduler/next-due.ts';

export interface Song {
  artist: string;
  title: string;
}

export interface ScheduleParams {
  seed: number;
  /** Mean time between title changes of one station. */
  changeEveryMs: number;
  /** Time zero of the schedule (epoch ms); titles before it are not asked for. */
  epochMs: number;
}

/** One title of one station: its index and the time it is on air, [startsAt, endsAt). */
export interface TitleSlot {
  k: number;
  startsAt: number;
  endsAt: number;
}

const CYCLE = 8;
/** Title k with k % SILENCE_EVERY === SILENCE_EVERY - 1 is silence. */
export const SILENCE_EVERY = 11;

// Latin-1 only (the farm sends some stations' ICY titles as ISO-8859-1 bytes), with the characters feeds
// must escape (&, ', ") and a few words that look like markup. None of them is junk or mojibake-shaped.
const ARTISTS = [
  'Mötley Crüe', 'Björk', 'Sigur Rós', 'Beyoncé', 'Café Tacvba', 'Françoise Hardy', 'Røyksopp', 'Motörhead',
  'Zoë Keating', 'AC/DC', 'Simon & Garfunkel', "Guns N' Roses", 'Earth, Wind & Fire', '"Weird Al" Yankovic',
  'Ángel Parra', 'Boards of Canada', 'Daft Punk', 'Nina Simone', 'Los Ángeles Azules', 'Hüsker Dü',
];
const TITLES = [
  'Hyperballad', 'Svefn-g-englar', 'Halo', 'Eres', 'Tous les garçons et les filles', 'Eple', 'Ace of Spades',
  'Sweet Child o\' Mine', 'Roygbiv', 'Feeling Good', 'Rock & Roll <Live>', "Say 'Hi'; Bye", 'Año Nuevo',
  'Septembre', 'Crème brûlée', 'Dancing Queen', 'Blue Monday', 'Smörgåsbord', '1999', 'Señorita',
];


const unit = (text: string) => hash32(text) / 2 ** 32;

export class Schedule {
  readonly params: ScheduleParams;
  /** Cumulative offsets of the eight titles of each station's cycle: CYCLE + 1 entries per station. */
  private readonly cum: Float64Array;
  private readonly phase: Float64Array;

  constructor(params: ScheduleParams, stations: number) {
    if (!(params.changeEveryMs >= 1)) throw new RangeError('changeEveryMs must be at least 1');
    this.params = params;
    this.cum = new Float64Array(stations * (CYCLE + 1));
    this.phase = new Float64Array(stations);
    for (let s = 0; s < stations; s++) {
      let t = 0;
      for (let j = 0; j < CYCLE; j++) {
        this.cum[s * (CYCLE + 1) + j] = t;
        t += Math.round(params.changeEveryMs * (0.75 + 0.5 * unit(`${params.seed}:${s}:d${j}`)));
      }
      this.cum[s * (CYCLE + 1) + CYCLE] = t;
      this.phase[s] = Math.floor(unit(`${params.seed}:${s}:phase`) * t);
    }
  }

  get stations(): number {
    return this.phase.length;
  }

  /** Shortest time any title is on air. */
  get minDurationMs(): number {
    return Math.round(this.params.changeEveryMs * 0.75);
  }

  /** The title station s plays at time t (t >= epochMs). */
  at(s: number, t: number): TitleSlot {
    const base = s * (CYCLE + 1);
    const length = this.cum[base + CYCLE]!;
    const x = Math.max(0, t - this.params.epochMs) + this.phase[s]!;
    const cycle = Math.floor(x / length);
    const r = x - cycle * length;
    let j = 0;
    while (j < CYCLE - 1 && this.cum[base + j + 1]! <= r) j++;
    const start = this.params.epochMs - this.phase[s]! + cycle * length;
    return { k: cycle * CYCLE + j, startsAt: start + this.cum[base + j]!, endsAt: start + this.cum[base + j + 1]! };
  }

  /** Title k of station s as a slot (k >= the title at epochMs). */
  slot(s: number, k: number): TitleSlot {
    const base = s * (CYCLE + 1);
    const cycle = Math.floor(k / CYCLE);
    const j = k - cycle * CYCLE;
    const start = this.params.epochMs - this.phase[s]! + cycle * this.cum[base + CYCLE]!;
    return { k, startsAt: start + this.cum[base + j]!, endsAt: start + this.cum[base + j + 1]! };
  }

  /** Every title of station s on air at some point of [from, to), oldest first. */
  slots(s: number, from: number, to: number): TitleSlot[] {
    const out: TitleSlot[] = [];
    for (let slot = this.at(s, from); slot.startsAt < to; slot = this.slot(s, slot.k + 1)) out.push(slot);
    return out;
  }

  /** What title k of station s is: a song, or null for silence. */
  song(s: number, k: number): Song | null {
    if (k % SILENCE_EVERY === SILENCE_EVERY - 1) return null;
    const h = hash32(`${this.params.seed}:${s}:${k}`);
    return { artist: ARTISTS[h % ARTISTS.length]!, title: `${TITLES[(h >>> 8) % TITLES.length]} #${k}` };
  }

  /** The text a crawler should record for title k: "Artist - Title", or null for silence. */
  text(s: number, k: number): string | null {
    const song = this.song(s, k);
    return song && `${song.artist} - ${song.title}`;
  }
}

/** Title index from a recorded text ("… #12"), or null when the text carries none. */
export function titleIndexOf(raw: string): number | null {
  const m = /#(\d+)$/.exec(raw);
  return m ? Number(m[1]) : null;
}
