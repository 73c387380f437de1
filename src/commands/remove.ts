// `onair remove ID`: deletes a station from stations.json (atomically; a running crawler picks it up).
import { readStationsJson, writeStationsFile } from '../stations/stations-file.ts';
import { UsageError, type Command } from './command.ts';
import { stationsOption } from './options.ts';

export const command: Command = {
  summary: 'Remove a station from stations.json.',
  usage: 'onair remove ID [--stations FILE]',
  options: { ...stationsOption },
  positionals: true,
  async run(values, positionals) {
    const [id] = positionals;
    if (!id || positionals.length > 1) throw new UsageError('give exactly one station id');
    const file = values.stations as string;
    const data = readStationsJson(file);
    const kept = data.stations.filter((s) => (s as { id?: unknown }).id !== id);
    if (kept.length === data.stations.length) {
      console.error(`onair remove: no station "${id}" in ${file}`);
      return 1;
    }
    writeStationsFile(file, { ...data, stations: kept });
    console.log(`removed ${id}`);
    return 0;
  },
};
