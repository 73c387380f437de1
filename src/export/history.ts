// The history as a JSON array in the export format of design.md, streamed row by row: the document is
// never whole in memory. Also the one mapping from a play to that format, and --since/--until parsing.
import { once } from 'node:events';
import { ConfigError } from '../errors.ts';
import type { Play, PlaySource } from '../types.ts';

/** A play as exported and served by the API. Key order is part of the format. */
export interface ExportedPlay {
  station: string;
  raw: string;
  artist: string | null;
  title: string | null;
  /** ISO 8601 UTC with milliseconds. */
  startedAt: string;
  /** null while the play is on air. */
  endedAt: string | null;
  source: PlaySource;
}

/** The export shape of a play (a StoredPlay's id is left out). */
export function toExportedPlay(p: Play): ExportedPlay {
  return {
    station: p.station,
    raw: p.raw,
    artist: p.artist,
    title: p.title,
    startedAt: new Date(p.startedAt).toISOString(),
    endedAt: p.endedAt === null ? null : new Date(p.endedAt).toISOString(),
    source: p.source,
  };
}

// Lines are gathered into chunks of about this size: one write() per play would cost a call and a buffer
// entry each for hundreds of thousands of plays.
const CHUNK_CHARS = 64 * 1024;

/**
 * Writes `plays` to `out` as a JSON array, one play per line, waiting for 'drain' whenever `out` asks to.
 * Does not end `out`. Resolves to the number of plays written.
 */
export async function writeHistoryJson(plays: AsyncIterable<Play> | Iterable<Play>, out: NodeJS.WritableStream): Promise<number> {
  let count = 0;
  let chunk = '[';
  for await (const p of plays) {
    chunk += (count === 0 ? '\n' : ',\n') + JSON.stringify(toExportedPlay(p));
    count++;
    if (chunk.length >= CHUNK_CHARS) {
      await write(out, chunk);
      chunk = '';
    }
  }
  await write(out, chunk + (count === 0 ? ']\n' : '\n]\n'));
  return count;
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  // A stream that already closed or failed would never emit 'drain'.
  if (!out.writable) throw new Error('export output closed before the export finished');
  // once() rejects if 'error' comes first, so a broken pipe ends the export instead of hanging it.
  if (!out.write(text)) await once(out, 'drain');
}

// Date and time components; seconds, fraction and offset optional. A date alone is midnight.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses a --since/--until value to epoch ms: epoch milliseconds ("1795860000000"), an ISO 8601 date
 * ("2026-11-28") or date-time ("2026-11-28T10:00", "…:00.000Z", "…+01:00"). Without an offset the time is
 * UTC, like the times onair prints, so the result does not depend on the machine's time zone.
 */
export function parseTime(s: string): number {
  const text = s.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const m = ISO.exec(text);
  const ms = m === null ? NaN : isoToMs(m);
  if (Number.isNaN(ms)) {
    throw new ConfigError(
      `invalid time "${s}": expected epoch milliseconds or an ISO 8601 date or date-time, e.g. 2026-11-28 or 2026-11-28T10:00:00Z`,
    );
  }
  return ms;
}

function isoToMs(m: RegExpExecArray): number {
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, sec].map(Number) as [number, number, number, number, number, number];
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2026-02-30 over into March (and years below 100 into the 1900s); reject what did not
  // survive as written.
  const back = new Date(utc);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return NaN;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (z === null) return utc; // "Z"
  const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  return z[1] === '+' ? utc - offset : utc + offset;
}
