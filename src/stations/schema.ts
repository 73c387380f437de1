// What a valid stations.json is, and errors that name the file, the station and the field.
// Validation only: reading and writing the file live in stations-file.ts.
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { FEED_FORMATS, type Station } from '../types.ts';
import { isHttpUrl } from '../url.ts';

export const DEFAULT_INTERVAL_SECONDS = 10;

function isCharset(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

const httpUrl = z.string().refine(isHttpUrl, 'must be an http:// or https:// URL');
const intervalSeconds = z.number().min(1).max(86_400);

const feedSchema = z
  .strictObject({
    url: httpUrl,
    format: z.enum(FEED_FORMATS),
    mount: z.string().startsWith('/', 'must start with "/"').optional(),
    sid: z.number().int().positive().optional(),
    title: z.string().min(1).optional(),
    artist: z.string().min(1).optional(),
  })
  .superRefine((feed, ctx) => {
    if ((feed.format === 'xml' || feed.format === 'json') && !feed.title)
      ctx.addIssue({ code: 'custom', path: ['title'], message: `a path to the title is required for format "${feed.format}"` });
    if (feed.format.startsWith('icecast') && !feed.mount)
      ctx.addIssue({ code: 'custom', path: ['mount'], message: `a mount ("/name") is required for format "${feed.format}"` });
  });

const streamSchema = z.strictObject({
  url: httpUrl,
  mode: z.enum(['live', 'snapshot']).default('snapshot'),
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
  .refine((s) => s.feed || s.stream, 'a station needs a "feed", a "stream", or both');

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
