// What /api/now, the page and the health metric show per station: the stations in stations.json now,
// each with its open play and a one-word health. Pure: the rows come from the reader.
import { toExportedPlay } from '../export/history.ts';
import { rowsInOrder, type NowPlayingRow, type StationHealth } from '../store/contract.ts';
import type { Station } from '../stations/schema.ts';
import type { PlaySource } from '../types.ts';

export type Health = 'ok' | 'failing' | 'unknown';
export const HEALTHS: readonly Health[] = ['ok', 'failing', 'unknown'];

export interface BoardRow {
  station: string;
  name: string | null;
  raw: string | null;
  artist: string | null;
  title: string | null;
  startedAt: string | null;
  source: PlaySource | null;
  /** Row id of the open play: the page ignores events it has already seen. */
  playId: number | null;
  health: Health;
  lastError: string | null;
}

/** Failing while the last poll failed; unknown until a poll has come back. */
export function healthOf(h: StationHealth): Health {
  if (h.consecutiveFailures > 0) return 'failing';
  return h.lastSuccessAt === null ? 'unknown' : 'ok';
}

/** One row per configured station, in the file's order; removed stations (still in the database) are left out. */
export function boardRows(stations: readonly Station[], rows: readonly NowPlayingRow[]): BoardRow[] {
  const current = rowsInOrder(stations.map((s) => s.id), rows);
  return stations.map((s, i) => {
    const r = current[i]!;
    const play = r.play ? toExportedPlay(r.play) : null;
    return {
      station: s.id,
      name: s.name ?? null,
      raw: play?.raw ?? null,
      artist: play?.artist ?? null,
      title: play?.title ?? null,
      startedAt: play?.startedAt ?? null,
      source: play?.source ?? null,
      playId: r.play?.id ?? null,
      health: healthOf(r.station),
      lastError: r.station.consecutiveFailures ? r.station.lastError : null,
    };
  });
}
