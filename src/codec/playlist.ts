// Station URLs often point to a playlist (.pls, .m3u, .m3u8) that names the real streams. Pure: text in,
// absolute http/https URLs out, in the playlist's order. HLS playlists are not radio streams with ICY
// metadata and give no URLs.
import { resolveHttpUrl } from '../url.ts';

const PLAYLIST_TYPES = new Set([
  'audio/x-scpls',
  'application/pls+xml',
  'audio/x-mpegurl',
  'audio/mpegurl',
  'application/x-mpegurl',
  'application/vnd.apple.mpegurl',
]);

/**
 * True when the content type says playlist, or the URL ends in .pls/.m3u/.m3u8 and the content type
 * does not name audio (some servers stream audio from a mount called `/live.m3u`).
 */
export function isPlaylist(url: string | URL, contentType?: string): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type && PLAYLIST_TYPES.has(type)) return true;
  if (type && /^(audio|video)\/|ogg/.test(type)) return false;
  try {
    return /\.(pls|m3u8?)$/i.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/** Stream URLs listed by a .pls or .m3u/.m3u8 playlist, resolved against the playlist's own URL. */
export function parsePlaylist(text: string, contentType?: string, url?: string | URL): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/).map((l) => l.trim());
  const type = contentType?.toLowerCase() ?? '';
  const pls = type.includes('scpls') || type.includes('pls+xml') || lines.some((l) => /^(\[playlist\]|File\d+=)/i.test(l));
  let entries: string[];
  if (pls) {
    entries = lines
      .map((l) => /^File(\d+)=(.+)$/i.exec(l))
      .filter((m) => m !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => m[2]!.trim());
  } else {
    // HLS (#EXT-X-…) lists segments or variant playlists, not a stream to read ICY from.
    if (lines.some((l) => l.startsWith('#EXT-X-'))) return [];
    entries = lines.filter((l) => l !== '' && !l.startsWith('#'));
  }
  const out: string[] = [];
  for (const entry of entries) {
    const resolved = resolveHttpUrl(entry, url)?.href;
    if (resolved && !out.includes(resolved)) out.push(resolved);
  }
  return out;
}
