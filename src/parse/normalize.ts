// From what a station sent to what we record: clean text, artist and title split, junk and idents dropped.
// Parsers return the text as sent; every cleaning rule lives here, so all formats and ICY agree.
import { decodeNumericReferences, repairMojibake } from '../codec/text.ts';
import type { NowPlaying } from '../types.ts';

/**
 * Texts that are not a song, compared whole and case-insensitively: placeholders of source clients, ad
 * markers, Winamp's default title. A station list adds its own through `NormalizeOptions.junk`.
 */
export const DEFAULT_JUNK: readonly string[] = [
  '-',
  'Unknown',
  'Unknown - Unknown',
  'undefined',
  'nodesc',
  'AD',
  'START_AD_BREAK',
  "DJ Mike Llama - Llama Whippin' Intro",
  'Stream not found',
];

export interface NormalizeOptions {
  /** The station's name: a text that is only the name is a station ident, not a song. */
  stationName?: string;
  /** More junk texts, on top of DEFAULT_JUNK. */
  junk?: readonly string[];
}

// Mojibake first: repairMojibake needs the whole text in Windows-1252's range, and a decoded `&#8211;`
// (–, 0x96 there) would make "CafÃ© &#8211; Bar" unrepairable. Control characters count as spaces.
function clean(text: string | null): string {
  return text === null ? '' : decodeNumericReferences(repairMojibake(text)).replace(/[\s\p{Cc}]+/gu, ' ').trim();
}

const defaultJunk = new Set(DEFAULT_JUNK.map((j) => clean(j).toLowerCase()));

function isJunk(text: string, opts: NormalizeOptions): boolean {
  const key = text.toLowerCase();
  return key === '' || defaultJunk.has(key) || !!opts.junk?.some((j) => clean(j).toLowerCase() === key);
}

// Only the whole text is compared with the name: an artist field holding it ("Radio X" / "Morning Show") is content.
const isIdent = (text: string, opts: NormalizeOptions): boolean =>
  !!opts.stationName && clean(opts.stationName).toLowerCase() === text.toLowerCase();

const separator = ' - ';

/**
 * Cleans a NowPlaying: repairs mojibake, decodes numeric references once, collapses whitespace, trims.
 * Without a separate artist the text splits on its first " - " (raw stays whole); with one, raw is
 * "Artist - Title", and an artist or title that is junk on its own counts as absent (Icecast's `"artist": -`).
 * Returns null for nothing playing: empty, junk, or only the station's own name (an ident).
 */
export function normalizeNowPlaying(np: NowPlaying, opts: NormalizeOptions = {}): NowPlaying | null {
  let result: NowPlaying;
  if (np.artist === null) {
    const raw = clean(np.raw);
    const at = raw.indexOf(separator);
    result = at > 0 ? { raw, artist: raw.slice(0, at), title: raw.slice(at + separator.length) } : { raw, artist: null, title: raw };
  } else {
    const artist = clean(np.artist);
    const title = clean(np.title);
    const a = isJunk(artist, opts) ? null : artist;
    const t = isJunk(title, opts) ? null : title;
    if (a === null) result = { raw: t ?? '', artist: null, title: t };
    else if (t === null) result = { raw: a, artist: a, title: null };
    else result = { raw: `${a}${separator}${t}`, artist: a, title: t };
  }
  return isJunk(result.raw, opts) || isIdent(result.raw, opts) ? null : result;
}

/** What change detection compares: the normalised raw text. */
export function playKey(np: NowPlaying): string {
  return np.raw;
}
