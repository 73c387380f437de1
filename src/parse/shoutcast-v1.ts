// SHOUTcast v1 `/7.html`: `<body>CURRENTLISTENERS,STREAMSTATUS,PEAK,MAX,UNIQUE,BITRATE,SONGTITLE</body>`.
// The title is everything after the sixth comma (titles contain commas); no charset is ever declared.
import { decodeBytes, decodeCharacterReferences } from '../codec/text.ts';
import { ParseError } from '../errors.ts';
import type { ShoutcastV1Feed } from '../stations/schema.ts';
import type { FeedParser } from './feed-parser.ts';
import { nowPlaying } from './document.ts';

/**
 * v1 servers answer any User-Agent without "Mozilla" with the audio stream instead of the page;
 * the fetcher sends this one for `shoutcast-v1` feeds.
 */
export const SHOUTCAST_V1_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

export interface ShoutcastV1Doc {
  streamStatus: number;
  title: string;
}

const page = /<body[^>]*>\s*(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),(.*?)<\/body>/is;

// MPEG sync, ID3, Ogg, ADTS, or control bytes that no HTML page has.
function looksLikeAudio(body: Uint8Array): boolean {
  const head = body.subarray(0, 512);
  if (head[0] === 0xff && (head[1]! & 0xe0) === 0xe0) return true;
  const magic = String.fromCharCode(...head.subarray(0, 4));
  if (magic.startsWith('ID3') || magic === 'OggS') return true;
  return head.some((b) => b < 0x09 || (b > 0x0d && b < 0x20));
}

const audioMessage = 'the server sent an audio stream instead of the 7.html page (it does so for non-browser User-Agents)';

// STREAMSTATUS 0: no source connected; the title field then holds the last song or nothing.
const pickV1 = (doc: ShoutcastV1Doc) => (doc.streamStatus === 0 ? null : nowPlaying(doc.title));

export const shoutcastV1: FeedParser<ShoutcastV1Doc, ShoutcastV1Feed> = {
  decode(body, contentType, charset) {
    if (contentType && /^\s*(?:audio\/|application\/ogg)/i.test(contentType)) {
      throw new ParseError(`${audioMessage}; content type ${contentType}`);
    }
    if (looksLikeAudio(body)) throw new ParseError(audioMessage);
    const m = page.exec(decodeBytes(body, charset));
    if (!m) throw new ParseError('not a SHOUTcast 7.html page (no "<body>n,n,n,n,n,n,title</body>")');
    return { streamStatus: Number(m[2]), title: decodeCharacterReferences(m[7]!) };
  },
  // Nothing per station: every station of the format shares one picker.
  picker: () => pickV1,
};
