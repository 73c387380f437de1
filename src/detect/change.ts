// Change detection: has a station's now-playing changed since the last recorded value? Pure compare plus
// a small map of last keys per station (restored from the database at start, so a restart is seamless).
import { playKey } from '../parse/normalize.ts';
import type { NowPlaying } from '../types.ts';

/** The text compared between polls (of a normalised NowPlaying); null means "nothing playing". */
export function changeKey(np: NowPlaying | null): string | null {
  return np ? playKey(np) : null;
}

/** Pure: the new key when `current` differs from the previous key, undefined when nothing changed. */
export function detectChange(previousKey: string | null, current: NowPlaying | null): { key: string | null } | undefined {
  const key = changeKey(current);
  return key === previousKey ? undefined : { key };
}

/** Last known key per station. A station never seen counts as "nothing playing". */
export class ChangeTracker {
  private readonly last = new Map<string, string | null>();

  /** Seeds the tracker with what the store says is on air (its open plays). */
  restore(entries: Iterable<[station: string, raw: string]>): void {
    for (const [station, raw] of entries) this.last.set(station, changeKey({ raw, artist: null, title: null }));
  }

  /** Returns true (and remembers the new value) when `current` is a change for the station. */
  observe(station: string, current: NowPlaying | null): boolean {
    const change = detectChange(this.last.get(station) ?? null, current);
    if (!change) return false;
    this.last.set(station, change.key);
    return true;
  }

  forget(station: string): void {
    this.last.delete(station);
  }
}
