// Pure: what kind of now-playing source a response is, from its content type and first bytes, for
// `onair add URL` without --format. Says plainly when it cannot tell.
import { XMLParser } from 'fast-xml-parser';
import type { FeedFormat } from '../types.ts';

export type Detected =
  | { kind: 'feed'; format: FeedFormat; mount?: string; hint?: string }
  | { kind: 'stream' }
  | { kind: 'unknown'; reason: string };

const STREAM_TYPES = /^(audio\/|application\/ogg|video\/|application\/octet-stream)/i;
const PLAYLIST_TYPES = /^(audio\/x-scpls|audio\/x-mpegurl|audio\/mpegurl|application\/vnd\.apple\.mpegurl|application\/x-mpegurl)/i;
const PLAYLIST_PATH = /\.(pls|m3u8?)$/i;

export function detectFormat(url: string, contentType: string | undefined, body: Uint8Array): Detected {
  const type = contentType ?? '';
  if (STREAM_TYPES.test(type) || PLAYLIST_TYPES.test(type) || PLAYLIST_PATH.test(new URL(url).pathname)) return { kind: 'stream' };
  const text = Buffer.from(body.subarray(0, 256 * 1024)).toString('utf8').trim();
  if (/^\s*[[{]/.test(text)) return detectJson(text);
  if (/<body>\s*\d+,[01],\d+,\d+,\d+,\d+,/i.test(text)) return { kind: 'feed', format: 'shoutcast-v1' };
  if (text.startsWith('<')) return detectXml(text);
  return { kind: 'unknown', reason: `the response (${type || 'no content type'}) is neither a known feed, XML, JSON nor an audio stream` };
}

function detectJson(text: string): Detected {
  let data: unknown;
  try {
    // Icecast writes `"title": -` for a lone dash; quote it so detection does not fail on that quirk.
    data = JSON.parse(text.replace(/:\s*-\s*([,}])/g, ':"-"$1'));
  } catch {
    return { kind: 'unknown', reason: 'the response looks like JSON but does not parse' };
  }
  const obj = data as Record<string, unknown>;
  if (obj && typeof obj === 'object' && 'icestats' in obj) {
    const source = (obj.icestats as { source?: unknown })?.source;
    const sources = Array.isArray(source) ? source : source ? [source] : [];
    const mounts = sources.flatMap((s) => {
      const listen = (s as { listenurl?: unknown }).listenurl;
      try {
        return typeof listen === 'string' ? [new URL(listen).pathname] : [];
      } catch {
        return [];
      }
    });
    return mounts.length === 1
      ? { kind: 'feed', format: 'icecast-json', mount: mounts[0]! }
      : { kind: 'feed', format: 'icecast-json', hint: mounts.length ? `give --mount, one of: ${mounts.join(', ')}` : 'the server has no mounts yet: give --mount' };
  }
  if (obj && typeof obj === 'object' && 'songtitle' in obj && 'streamstatus' in obj) return { kind: 'feed', format: 'shoutcast-v2' };
  return { kind: 'feed', format: 'json', hint: 'a station\'s own JSON: give --title PATH (and --artist PATH), e.g. --title now_playing.song.title' };
}

function detectXml(text: string): Detected {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return { kind: 'unknown', reason: 'the XML declares a DOCTYPE or entities, which onair refuses' };
  let doc: Record<string, unknown>;
  try {
    doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false, processEntities: false }).parse(text) as Record<string, unknown>;
  } catch {
    return { kind: 'unknown', reason: 'the response looks like XML but does not parse' };
  }
  const root = Object.keys(doc).find((k) => k !== '?xml');
  if (root === 'icestats') return { kind: 'feed', format: 'icecast-xml', hint: 'give --mount /name' };
  if (root === 'SHOUTCASTSERVER') return { kind: 'feed', format: 'shoutcast-v2' };
  if (root?.toLowerCase() === 'html') return { kind: 'unknown', reason: 'the URL serves an HTML page, not a now-playing feed' };
  return { kind: 'feed', format: 'xml', hint: `a station's own XML (root <${root}>): give --title PATH (and --artist PATH), e.g. --title songs.song[0].title` };
}
