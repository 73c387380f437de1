// `onair now`: what each station plays now, from the database (the crawler may be running).
import type { Command } from '../cli.ts';
import { toExportedPlay } from '../export/history.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { dbOption } from './defaults.ts';

export const command: Command = {
  summary: 'Show what each station is playing now.',
  usage: 'onair now [--db FILE] [--json]',
  options: { ...dbOption, json: { type: 'boolean', default: false } },
  async run(values) {
    const store = SqliteStore.open(values.db as string);
    try {
      const rows = store.nowPlaying();
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
      store.close();
    }
  },
};
