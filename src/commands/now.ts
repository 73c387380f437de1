// `onair now`: what each station plays now, from the database (the crawler may be running).
import { existsSync } from 'node:fs';
import { toExportedPlay } from '../export/history.ts';
import { loadStationsFile } from '../stations/stations-file.ts';
import { rowsInOrder } from '../store/contract.ts';
import { openStore } from '../store/open-store.ts';
import type { Command } from './command.ts';
import { dbOption, stationsOption } from './options.ts';

export const command: Command = {
  summary: 'Show what each station is playing now.',
  usage: 'onair now [--stations FILE] [--db FILE] [--all] [--json]',
  options: { ...stationsOption, ...dbOption, all: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  async run(values) {
    // Read first: a malformed stations.json is a usage problem, reported before the database is opened.
    const ids = values.all ? undefined : currentStationIds(values.stations as string);
    const store = await openStore(values.db as string);
    try {
      const all = await store.nowPlaying();
      const rows = ids ? rowsInOrder(ids, all) : all;
      if (values.json) {
        console.log(JSON.stringify(rows.map(({ station, play }) => ({ station: station.station, name: station.name, play: play && toExportedPlay(play), health: station })), null, 2));
        return 0;
      }
      if (rows.length === 0) console.log('no stations recorded yet');
      for (const { station, play } of rows) {
        const what = play ? `${play.raw}  (since ${new Date(play.startedAt).toISOString()}, ${play.source})` : '—';
        const health = station.consecutiveFailures > 0 ? `  [failing x${station.consecutiveFailures}: ${station.lastError}]` : '';
        console.log(`${station.station}\t${what}${health}`);
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};

/**
 * The stations to show: those in the stations file, so stations removed from it (their rows stay in the
 * database with their history) are left out. No stations file at all: every station in the database.
 */
function currentStationIds(file: string): string[] | undefined {
  if (!existsSync(file)) return undefined;
  return loadStationsFile(file).stations.map((s) => s.id);
}
