// `onair remove ID`: deletes a station from stations.json (atomically; a running crawler picks it up), or with
// --db postgres://… from the list that database keeps (every node picks it up). Its history stays.
import { UsageError, type Command } from './command.ts';
import { listOptions } from './options.ts';
import { openListTarget } from './station-list.ts';

export const command: Command = {
  summary: 'Remove a station from stations.json (or from the list a PostgreSQL database keeps).',
  usage: 'onair remove ID [--stations FILE | --db postgres://…]',
  options: { ...listOptions },
  positionals: true,
  async run(values, positionals) {
    const [id] = positionals;
    if (!id || positionals.length > 1) throw new UsageError('give exactly one station id');
    const list = await openListTarget(values);
    let found = false;
    try {
      await list.edit((doc) => {
        const kept = doc.stations.filter((s) => (s as { id?: unknown }).id !== id);
        found = kept.length < doc.stations.length;
        return { ...doc, stations: kept };
      });
    } finally {
      await list.close();
    }
    if (!found) {
      console.error(`onair remove: no station "${id}" in ${list.where}`);
      return 1;
    }
    console.log(`removed ${id}`);
    return 0;
  },
};
