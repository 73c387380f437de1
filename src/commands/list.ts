// `onair list`: the stations in stations.json (or in the list a PostgreSQL database keeps), one per line (or JSON).
import { validateStations } from '../stations/schema.ts';
import { withoutCredentials } from '../url.ts';
import type { Command } from './command.ts';
import { listOptions } from './options.ts';
import { openListTarget } from './station-list.ts';

export const command: Command = {
  summary: 'List the stations in stations.json.',
  usage: 'onair list [--stations FILE | --db postgres://…] [--json]',
  options: { ...listOptions, json: { type: 'boolean', default: false } },
  async run(values) {
    const list = await openListTarget(values);
    const config = await list
      .read()
      .then((doc) => validateStations(doc, list.where))
      .finally(() => list.close());
    const rows = config.stations.map((s) => ({
      id: s.id,
      name: s.name ?? null,
      format: s.feed?.format ?? 'icy',
      url: withoutCredentials(s.feed ? s.feed.url : s.stream.url),
      stream: s.feed && s.stream ? withoutCredentials(s.stream.url) : null,
      intervalSeconds: s.intervalSeconds ?? config.defaults.intervalSeconds,
    }));
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log('no stations');
    else for (const r of rows) console.log(`${r.id}\t${r.format}\t${r.url}${r.stream ? `\t+stream ${r.stream}` : ''}\t${r.intervalSeconds}s${r.name ? `\t${r.name}` : ''}`);
    return 0;
  },
};
