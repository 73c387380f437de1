// What a valid stations.json is, and errors that name the file, the station and the field.
// Validation only: reading and writing the file live in stations-file.ts.
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { DEFAULT_INTERVAL_SECONDS, INTERVAL_SECONDS } from '../config.ts';
import { FEED_FORMATS, STREAM_MODES } from '../types.ts';
import { parsePath } from './path-syntax.ts';
import { isHttpUrl } from '../url.ts';

function isCharset(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

const httpUrl = z.string().refine(isHttpUrl, 'must be an http:// or https:// URL');
const intervalSeconds = z.number().min(INTERVAL_SECONDS.min).max(INTERVAL_SECONDS.max);

/** A field a format cannot do without: its absence says what is missing, not "expected string". */
const required = <T extends z.ZodType>(schema: T, what: string) =>
  z.unknown().superRefine((value, ctx) => {
    if (value === undefined) ctx.addIssue({ code: 'custom', message: `${what} is required for this format`, input: value });
  }).pipe(schema);

/** A title or artist path: its syntax is checked here (a typo costs exit 2, not a failed poll each round); the plan parses it for use. */
const fieldPath = z.string().min(1).superRefine((path, ctx) => {
  try {
    parsePath(path);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const mount = z.string().startsWith('/', 'must start with "/"');

/** One shape per format: what a format needs is required by its shape, so code never asserts it. */
const feedSchema = z.discriminatedUnion(
  'format',
  [
    z.strictObject({ url: httpUrl, format: z.enum(['icecast-json', 'icecast-xml']), mount: required(mount, 'a mount ("/name")') }),
    z.strictObject({ url: httpUrl, format: z.literal('shoutcast-v1') }),
    z.strictObject({ url: httpUrl, format: z.literal('shoutcast-v2'), sid: z.number().int().positive().optional(), mount: mount.optional() }),
    z.strictObject({ url: httpUrl, format: z.enum(['xml', 'json']), title: required(fieldPath, 'a path to the title'), artist: fieldPath.optional() }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${FEED_FORMATS.join(', ')}` : undefined) },
);

const streamSchema = z.strictObject({
  url: httpUrl,
  mode: z.enum(STREAM_MODES).default('snapshot'),
});

export const stationSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, "_", "." or "-"'),
    name: z.string().min(1).max(200).optional(),
    feed: feedSchema.optional(),
    stream: streamSchema.optional(),
    intervalSeconds: intervalSeconds.optional(),
    charset: z.string().refine(isCharset, 'is not a charset this runtime can decode').optional(),
  })
  // Into the union the rest of the code relies on: a feed, a stream, or both, never neither.
  .transform((s, ctx) => {
    const { feed, stream, ...rest } = s;
    if (feed) return { ...rest, feed, ...(stream ? { stream } : {}) };
    // `feed?: undefined` so that `station.feed` tells the two shapes apart.
    if (stream) return { ...rest, stream } as typeof rest & { feed?: undefined; stream: typeof stream };
    ctx.addIssue({ code: 'custom', message: 'a station needs a "feed", a "stream", or both', input: s });
    return z.NEVER;
  });

/** A feed as stations.json gives it, one shape per format. */
export type FeedConfig = z.output<typeof feedSchema>;
export type IcecastFeed = Extract<FeedConfig, { format: 'icecast-json' | 'icecast-xml' }>;
export type ShoutcastV1Feed = Extract<FeedConfig, { format: 'shoutcast-v1' }>;
export type ShoutcastV2Feed = Extract<FeedConfig, { format: 'shoutcast-v2' }>;
/** A station's own XML or JSON document, read by its title and artist paths. */
export type DocumentFeed = Extract<FeedConfig, { format: 'xml' | 'json' }>;
export type StreamConfig = z.output<typeof streamSchema>;
/** A validated station: a feed, a stream, or both. */
export type Station = z.output<typeof stationSchema>;

const fileSchema = z
  .strictObject({
    defaults: z.strictObject({ intervalSeconds: intervalSeconds.optional() }).optional(),
    /** Extra titles that are not songs (ads, idents), on top of the built-in list. */
    junk: z.array(z.string()).optional(),
    stations: z.array(stationSchema),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.stations.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['stations', i, 'id'], message: `duplicate id "${s.id}"` });
      seen.add(s.id);
    });
  });

export interface StationsConfig {
  defaults: { intervalSeconds: number };
  junk: string[];
  stations: Station[];
}

/** Validates parsed JSON; throws ConfigError naming the file, the station and the field of every problem. */
export function validateStations(data: unknown, file: string): StationsConfig {
  const result = fileSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => describeIssue(issue, data, file));
    throw new ConfigError(lines.join('\n'));
  }
  const { defaults, junk, stations } = result.data;
  return {
    defaults: { intervalSeconds: defaults?.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS },
    junk: junk ?? [],
    stations: stations.map(dropUndefined),
  };
}

/** Validates one station (for `onair add`), with the same error wording. */
export function validateStation(data: unknown, file: string): Station {
  return validateStations({ stations: [data] }, file).stations[0]!;
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown, file: string): string {
  const path = [...issue.path];
  let where = file;
  if (path[0] === 'stations' && typeof path[1] === 'number') {
    const raw = (data as { stations?: unknown[] }).stations?.[path[1]] as { id?: unknown } | undefined;
    const id = typeof raw?.id === 'string' ? `"${raw.id}"` : `#${path[1] + 1}`;
    where += `: station ${id}`;
    path.splice(0, 2);
  }
  let field = path.join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    field = [...path, ...issue.keys].join('.');
    message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return field ? `${where}: field "${field}": ${message}` : `${where}: ${message}`;
}

function dropUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
