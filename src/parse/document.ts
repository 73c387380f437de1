// Reading values out of decoded JSON and XML documents, and building the NowPlaying a parser returns.
// No format knowledge here: each format's file says where its title lives.
import type { NowPlaying } from '../types.ts';

export type Doc = Record<string, unknown>;

export function isRecord(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: a document key named `__proto__` or `constructor` must not reach Object.prototype. */
export function child(node: unknown, key: string): unknown {
  return isRecord(node) && Object.hasOwn(node, key) ? node[key] : undefined;
}

/** XML and Icecast's JSON give one element as a value and several as an array: always an array. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The text of a leaf: strings as they are, numbers and booleans as text (Icecast writes the title "1999" as
 * 1999 and "true" as true), an XML element with attributes by its `#text`. Null for null, absent, or anything
 * that is not a leaf.
 */
export function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isRecord(value)) return Object.hasOwn(value, '#text') ? textOf(value['#text']) : null;
  return null;
}

const blank = (text: string | null): text is null => text === null || text.trim() === '';

/**
 * What a station plays, from its title and an artist it may send separately; null when both are blank.
 * The text is kept as sent: trimming, splitting "Artist - Title" and junk are normalize.ts's job.
 */
export function nowPlaying(title: string | null, artist: string | null = null): NowPlaying | null {
  const t = blank(title) ? null : title;
  const a = blank(artist) ? null : artist;
  if (t === null && a === null) return null;
  const raw = t !== null && a !== null ? `${a} - ${t}` : (t ?? a)!;
  return { raw, artist: a, title: t };
}
