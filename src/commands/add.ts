// `onair add URL`: appends a station to stations.json (atomically). Without --format it fetches the URL once
// and detects what it is; --format icy makes URL the station's stream.
import { SETTING_RULES } from '../config.ts';
import { classify, ConfigError } from '../errors.ts';
import { HttpClient } from '../fetch/http.ts';
import { detectFormat } from '../stations/detect-format.ts';
import { validateStation } from '../stations/schema.ts';
import { FEED_FORMATS, STREAM_MODES, type FeedFormat } from '../types.ts';
import { isHttpUrl, redactUrl } from '../url.ts';
import type { StationsDocument } from '../store/contract.ts';
import { UsageError, type Command } from './command.ts';
import { choiceOption, listOptions, numberOption } from './options.ts';
import { openListTarget, type StationListTarget } from './station-list.ts';

export const command: Command = {
  summary: 'Add a station to stations.json (or to the list a PostgreSQL database keeps). Without --format, fetches URL once and detects its format.',
  usage: `onair add URL [--id ID] [--name NAME] [--format ${FEED_FORMATS.join('|')}|icy] [--mount /m] [--title PATH] [--artist PATH] [--stream URL] [--mode live|snapshot] [--interval S] [--stations FILE | --db postgres://…]`,
  options: {
    ...listOptions,
    id: { type: 'string' },
    name: { type: 'string' },
    format: { type: 'string' },
    mount: { type: 'string' },
    title: { type: 'string' },
    artist: { type: 'string' },
    stream: { type: 'string' },
    mode: { type: 'string' },
    interval: { type: 'string' },
  },
  positionals: true,
  async run(values, positionals) {
    const [url] = positionals;
    if (!url || positionals.length > 1) throw new UsageError('give exactly one URL');
    if (!isHttpUrl(url)) throw new UsageError(`"${String(redactUrl(url))}" is not an http:// or https:// URL`);
    // Checked before the URL is fetched: a typo costs a usage error, not a request.
    const intervalSeconds = numberOption(values, 'interval', SETTING_RULES.intervalSeconds);
    const mode = choiceOption(values, 'mode', STREAM_MODES) ?? 'snapshot';
    const list = await openListTarget(values);
    try {
      return await addTo(list, url, values, intervalSeconds, mode);
    } finally {
      await list.close();
    }
  },
};

async function addTo(list: StationListTarget, url: string, values: Record<string, unknown>, intervalSeconds: number | undefined, mode: string): Promise<number> {
    const id = (values.id as string | undefined) ?? idFromUrl(url);
    const taken = (doc: StationsDocument) => doc.stations.some((s) => (s as { id?: unknown }).id === id);
    const duplicate = () => new UsageError(`a station with id "${id}" is already in ${list.where}; pick another with --id`);
    // Checked before the URL is fetched, and again under the edit (another may have added it meanwhile).
    if (taken(await list.read())) throw duplicate();

    let format = values.format as string | undefined;
    let mount = values.mount as string | undefined;
    if (format === undefined) {
      const detected = await detect(url);
      if (detected.kind === 'unknown') throw new ConfigError(`cannot tell what ${String(redactUrl(url))} is: ${detected.reason}; give --format`);
      format = detected.kind === 'stream' ? 'icy' : detected.format;
      mount ??= detected.kind === 'feed' ? detected.mount : undefined;
      const needsMore = detected.kind === 'feed' && detected.hint && !(mount && format.startsWith('icecast')) && !(values.title && (format === 'xml' || format === 'json'));
      if (needsMore) throw new ConfigError(`${String(redactUrl(url))} is a ${format} feed: ${detected.hint}`);
      console.error(`detected format: ${format}${mount ? ` (mount ${mount})` : ''}`);
    } else if (format !== 'icy' && !(FEED_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`--format must be one of ${FEED_FORMATS.join(', ')}, icy`);
    }

    const streamUrl = format === 'icy' ? url : (values.stream as string | undefined);
    const station = {
      id,
      ...(values.name ? { name: values.name } : {}),
      ...(format !== 'icy'
        ? { feed: { url, format: format as FeedFormat, ...(mount ? { mount } : {}), ...pick(values, 'title', 'artist') } }
        : {}),
      ...(streamUrl ? { stream: { url: streamUrl, mode } } : {}),
      ...(intervalSeconds !== undefined ? { intervalSeconds } : {}),
    };
    validateStation(station, list.where);
    await list.edit((doc) => {
      if (taken(doc)) throw duplicate();
      return { ...doc, stations: [...doc.stations, station] };
    });
    console.log(`added ${id}`);
    return 0;
}

function pick(values: Record<string, unknown>, ...keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => typeof values[k] === 'string').map((k) => [k, values[k] as string]));
}

/** A readable id from the URL: host and last path segment, e.g. "somafm.com-groovesalad". */
function idFromUrl(url: string): string {
  const u = new URL(url);
  const last = u.pathname.split('/').filter(Boolean).pop()?.replace(/\.[a-z0-9]+$/i, '') ?? '';
  return `${u.hostname}${last ? `-${last}` : ''}`.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'station';
}

async function detect(url: string) {
  // A small cap: a stream would otherwise be read for the whole timeout.
  const http = new HttpClient({ maxBytes: 256 * 1024, totalTimeoutMs: 10_000 });
  try {
    const res = await http.get(url);
    return detectFormat(res.url, res.contentType, res.body);
  } catch (err) {
    const { reported: code, message, bug } = classify(err);
    // A bug is not "cannot fetch": it surfaces as itself (exit 1, with its message), not as a usage error.
    if (bug) throw err;
    // SHOUTcast v1 answers `ICY 200 OK`, which undici rejects; an endless body is a stream too.
    if (code === 'HPE_INVALID_CONSTANT' || code === 'ONAIR_TOO_LARGE') return { kind: 'stream' as const };
    throw new ConfigError(`cannot fetch ${String(redactUrl(url))} to detect its format (${code}: ${message}); give --format`);
  } finally {
    await http.destroy();
  }
}
