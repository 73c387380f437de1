// From what a station sent to what we record: clean text, artist and title split, junk and idents dropped.
// Parsers return the text as sent; every cleaning rule lives here, so all formats and ICY agree.
import type { NowPlaying } from '../types.ts';
import { decodeNumericReferences, repairMojibake } from './text.ts';

/**
 * Texts that are not a song, compared whole and case-insensitively: placeholders of source clients, ad
 * markers, Winamp's default title. Extend with `normalizeNowPlaying(np, { junk: [...DEFAULT_JUNK, 'Jingle'] })`.
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
  /** Replaces DEFAULT_JUNK. */
  junk?: readonly string[];
}

// Mojibake first: repairMojibake needs the whole text in Windows-1252's range, and a decoded `&#8211;`
// (–, 0x96 there) would make "CafÃ© &#8211; Bar" unrepairable. Control characters count as spaces.
function clean(text: string | null): string {
  return text === null ? '' : decodeNumericReferences(repairMojibake(text)).replace(/[\s\p{Cc}]+/gu, ' ').trim();
}

const separator = ' - ';

/**
 * Cleans a NowPlaying: trims, collapses whitespace, repairs mojibake, decodes numeric references once.
 * Without a separate artist the text splits on its first " - " (raw stays whole); with one, raw is
 * "Artist - Title". Returns null for nothing playing: empty, junk, or the station's own name.
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
    if (!artist) result = { raw: title, artist: null, title };
    else if (!title) result = { raw: artist, artist, title: null };
    else result = { raw: `${artist}${separator}${title}`, artist, title };
  }
  return isSong(result.raw, opts) ? result : null;
}

function isSong(raw: string, opts: NormalizeOptions): boolean {
  if (raw === '') return false;
  const key = raw.toLowerCase();
  if ((opts.junk ?? DEFAULT_JUNK).some((j) => clean(j).toLowerCase() === key)) return false;
  return !opts.stationName || clean(opts.stationName).toLowerCase() !== key;
}

/** What change detection compares: the normalised raw text. */
export function playKey(np: NowPlaying): string {
  return np.raw;
}
