// `onair export`: the play history as a JSON array, oldest first, streamed row by row.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseTime, writeHistoryJson } from '../export/history.ts';
import { openStore } from '../store/open-store.ts';
import { UsageError, type Command } from './command.ts';
import { dbOption } from './options.ts';

export const command: Command = {
  summary: 'Write the play history as a JSON array, oldest first.',
  usage: 'onair export [--db FILE] [--station ID]... [--since T] [--until T] [--out FILE]',
  options: {
    ...dbOption,
    station: { type: 'string', multiple: true },
    since: { type: 'string' },
    until: { type: 'string' },
    out: { type: 'string' },
  },
  async run(values) {
    const time = (name: string) => {
      const raw = values[name] as string | undefined;
      if (raw === undefined) return undefined;
      try {
        return parseTime(raw);
      } catch (err) {
        throw new UsageError(`--${name}: ${(err as Error).message}`);
      }
    };
    const query = { stations: values.station as string[] | undefined, since: time('since'), until: time('until') };
    const store = await openStore(values.db as string);
    try {
      const out = values.out ? createWriteStream(values.out as string, { mode: 0o600 }) : process.stdout;
      const count = await writeHistoryJson(store.history(query), out);
      if (values.out) {
        out.end();
        await finished(out);
        console.error(`exported ${count} plays to ${values.out as string}`);
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};
