// SHOUTcast v2 (DNAS 2.x): `/stats?sid=N` (one stream; XML, or lower-case JSON with `&json=1`) and
// `/statistics` (every stream of the server, `SHOUTCASTSERVER/STREAMSTATS/STREAM[@id]`; `?json=1`: `streams`).
import { decodeBytes } from '../codec/text.ts';
import { ParseError } from '../errors.ts';
import type { ShoutcastV2Feed } from '../stations/schema.ts';
import type { NowPlaying } from '../types.ts';
import type { FeedParser } from './feed-parser.ts';
import { asList, child, isRecord, nowPlaying, textOf, type Doc } from './document.ts';
import { parseJson } from './json.ts';
import { xmlReader } from './xml.ts';

export interface ShoutcastV2Stream {
  id: number | null;
  path: string | null;
  status: string | null;
  title: string | null;
}

export interface ShoutcastV2Doc {
  /** True for `/statistics` (pick a stream), false for `/stats?sid=N` (the URL already picked it). */
  several: boolean;
  streams: ShoutcastV2Stream[];
}

const readXml = xmlReader();

// XML elements are upper-case, JSON keys lower-case: read either.
function field(node: Doc, name: string): string | null {
  return textOf(child(node, name.toUpperCase()) ?? child(node, name));
}

function stream(node: Doc): ShoutcastV2Stream {
  const id = Number(textOf(child(node, '@_id') ?? child(node, 'id')) ?? NaN);
  return {
    id: Number.isInteger(id) ? id : null,
    path: field(node, 'streampath'),
    status: field(node, 'streamstatus'),
    title: field(node, 'songtitle'),
  };
}

function fromJson(json: unknown): ShoutcastV2Doc {
  if (!isRecord(json)) throw new ParseError('not a SHOUTcast v2 JSON document');
  const streams = child(json, 'streams');
  if (streams !== undefined) return { several: true, streams: asList(streams).filter(isRecord).map(stream) };
  return { several: false, streams: [stream(json)] };
}

function fromXml(xml: unknown): ShoutcastV2Doc {
  const root = child(xml, 'SHOUTCASTSERVER');
  if (!isRecord(root)) throw new ParseError('not a SHOUTcast v2 document (no <SHOUTCASTSERVER>)');
  const stats = child(root, 'STREAMSTATS');
  if (stats !== undefined) return { several: true, streams: asList(child(stats, 'STREAM')).filter(isRecord).map(stream) };
  return { several: false, streams: [stream(root)] };
}

function sidOf(url: string): number | undefined {
  try {
    const sid = Number(new URL(url).searchParams.get('sid') ?? NaN);
    return Number.isInteger(sid) ? sid : undefined;
  } catch {
    return undefined;
  }
}

// By sid (the station's, else the URL's), else by STREAMPATH = mount, else stream 1. Never by SERVERURL:
// that is the station's homepage, shared by its streams.
function choose(doc: ShoutcastV2Doc, sid: number | undefined, mount: string | undefined): ShoutcastV2Stream {
  if (!doc.several) return doc.streams[0]!;
  if (sid === undefined && mount) {
    const found = doc.streams.find((s) => s.path === mount);
    if (found) return found;
    throw new ParseError(`no stream with path ${mount} in the document`);
  }
  const found = doc.streams.find((s) => s.id === (sid ?? 1));
  if (found) return found;
  throw new ParseError(`no stream with sid ${sid ?? 1} in the document`);
}

/** Some v2 sources send three spaces where " - " was meant ("Artist   Title"); AzuraCast mends it too. */
export function mendSeparator(title: string): string {
  return title.includes(' - ') ? title : title.replace(/(?<=\S) {3}(?=\S)/, ' - ');
}

const pickers = new Map<string, (doc: ShoutcastV2Doc) => NowPlaying | null>();

export const shoutcastV2: FeedParser<ShoutcastV2Doc, ShoutcastV2Feed> = {
  decode(body, _type, charset) {
    const text = decodeBytes(body, charset);
    return text.trimStart().startsWith('{') ? fromJson(parseJson(text)) : fromXml(readXml(text));
  },
  picker(feed) {
    const sid = feed.sid ?? sidOf(feed.url);
    // Stations choosing the same stream share one picker (most name sid 1 to 3).
    const key = `${sid ?? ''}\n${feed.mount ?? ''}`;
    let pick = pickers.get(key);
    if (!pick) {
      const mount = feed.mount;
      pick = (doc) => {
        const s = choose(doc, sid, mount);
        if (s.status === '0') return null; // no source connected
        return nowPlaying(s.title === null ? null : mendSeparator(s.title));
      };
      pickers.set(key, pick);
    }
    return pick;
  },
};
