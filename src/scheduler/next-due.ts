// Pure timing rules: where a station's first poll falls in its interval, when the next one is due,
// and how failures back off. Values in, values out: no clock, no timers.
import type { Random } from '../clock.ts';

/** FNV-1a with murmur3's finaliser: a stable, well-mixed 32-bit hash, so a station keeps its phase across restarts. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Delay of the first poll: a point in [0, interval) fixed by phaseKey. Stations spread evenly over the
 * interval (no thundering herd at boot), and stations that share a phaseKey (one feed URL) fall due
 * together, so their shared fetch serves them all at once.
 */
export function firstDelay(phaseKey: string, intervalMs: number): number {
  return Math.floor((hash32(phaseKey) / 2 ** 32) * intervalMs);
}

/**
 * Next due time after a successful poll: the next point of the station's own grid (absolute
 * deadlines, so lateness does not drift the phase). Polls that ran late skip the slots already missed
 * rather than firing a burst to catch up.
 */
export function nextDueAfterSuccess(dueAt: number, finishedAt: number, intervalMs: number): number {
  const next = dueAt + intervalMs;
  if (next > finishedAt) return next;
  const missed = Math.floor((finishedAt - dueAt) / intervalMs);
  return dueAt + (missed + 1) * intervalMs;
}

export interface BackoffPolicy {
  intervalMs: number;
  capMs: number;
}

/**
 * Delay after the n-th consecutive failure (n >= 1): the interval doubled per failure, capped, with
 * "equal jitter" (half fixed, half random) so a server that failed many stations at once is not hit
 * again by all of them in the same instant.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: Random): number {
  const exp = Math.min(policy.capMs, policy.intervalMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
